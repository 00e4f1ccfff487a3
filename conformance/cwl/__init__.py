"""The CWL conformance harness: run the CWL v1.2 suite with cwltest against a runner."""
