"""The error tree: one code per class, and the module docstring's drawing of the tree kept true."""

from __future__ import annotations

import inspect
import re

import flashpoint.errors as errors
from flashpoint.errors import FlashpointError

CLASSES = {name: cls for name, cls in vars(errors).items()
           if inspect.isclass(cls) and issubclass(cls, FlashpointError) and cls.__module__ == errors.__name__}


def test_every_class_has_its_own_code():
    assert all("code" in vars(cls) for cls in CLASSES.values()), [n for n, c in CLASSES.items() if "code" not in vars(c)]
    codes = [cls.code for cls in CLASSES.values()]
    assert all(re.fullmatch(r"E\d{3}", c) for c in codes), codes
    assert len(set(codes)) == len(codes), sorted(codes)


def test_the_docstring_draws_every_class_with_its_code_under_its_base():
    drawn = [(len(m[1]), m[2], m[3]) for m in re.finditer(r"(?m)^( *)(\w+Error) +(E\d{3})$", errors.__doc__)]
    assert sorted(name for _, name, _ in drawn) == sorted(CLASSES)
    depth = {}
    for i, (indent, name, code) in enumerate(drawn):
        assert CLASSES[name].code == code, name
        depth[name] = indent
        if name == "FlashpointError":
            assert i == 0
            continue
        # The nearest line above indented less names the base class, one step (four spaces) out.
        parent = next(n for ind, n, _ in reversed(drawn[:i]) if ind < indent)
        assert parent == CLASSES[name].__bases__[0].__name__, name
        assert indent == depth[parent] + 4, name
