"""Folding schema-salad's many-line messages into one error line."""

from __future__ import annotations

from toil.cwl.messages import fold, has_location, not_cwl

NESTED = """\
wf.cwl:4:1: checking field 'inputs'
wf.cwl:5:3:   checking object 'wf.cwl#x'
wf.cwl:5:7:     Field 'type' references unknown
                identifier 'strang', tried
                file:///wf.cwl#strang"""

SOURCE_AND_SINK = """\
wf.cwl:4:3:   Source 'n' of type "int" is
wf.cwl:9:10:   with sink 'f' of type "File\""""


def test_the_deepest_located_line_is_the_problem_and_its_wrapping_is_undone() -> None:
    assert fold(NESTED) == "wf.cwl:5:7: Field 'type' references unknown identifier 'strang', tried file:///wf.cwl#strang"


def test_problems_at_the_same_depth_are_all_named() -> None:
    assert fold(SOURCE_AND_SINK) == ("wf.cwl:4:3: Source 'n' of type \"int\" is; "
                                     "wf.cwl:9:10: with sink 'f' of type \"File\"")
    many = "\n".join(f"wf.cwl:{n}:1: problem {n}" for n in range(1, 6))
    assert fold(many).endswith("wf.cwl:3:1: problem 3 (and 2 more)")


def test_messages_without_locations_are_joined() -> None:
    text = "Invalid job input record:\nthe 'count' field is not valid because\n  tried int but\n    'many' is not int"
    assert fold(text) == ("Invalid job input record: the 'count' field is not valid because tried int but "
                          "'many' is not int")
    assert not has_location(fold(text)) and has_location(fold(NESTED))


def test_documents_that_are_no_cwl_are_named() -> None:
    assert not_cwl("a.cwl", StopIteration()) == "a.cwl: the document is empty"
    undecodable = UnicodeDecodeError("utf-8", b"\x80", 0, 1, "bad")
    assert not_cwl("b.cwl", undecodable) == "b.cwl: not a text document (bad at byte 0)"
    assert "not a CWL document" in not_cwl("c.cwl", ValueError("workflowjobj must be a dict, got list"))
