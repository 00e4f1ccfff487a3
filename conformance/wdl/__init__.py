"""Our harness for the WDL conformance suite (data in ../shared/conformance/wdl)."""
