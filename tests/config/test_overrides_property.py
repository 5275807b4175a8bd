"""Property tests of the ``-o Key.sub=value`` parser."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ppocr_lite.config.overrides import apply_overrides, parse_override

NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
KEYS = st.lists(NAME, min_size=1, max_size=4)
YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}
# Text a user types unquoted: letters (Vietnamese too), digits, spaces inside, path characters.
WORD = st.text(
    alphabet=st.sampled_from("abcxyzABCàáạăâđêôơưệờ0123456789./_-"), min_size=1, max_size=12
)
TEXT = (
    st.lists(WORD, min_size=1, max_size=4)
    .map(" ".join)
    .filter(lambda s: s[0].isalpha() and s.lower() not in YAML_WORDS)
)


def _typed(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


@settings(max_examples=200, deadline=None)
@given(
    KEYS,
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.lists(st.integers(), max_size=4),
)
def test_typed_values_round_trip(keys: list[str], value: Any) -> None:
    assert parse_override(f"{'.'.join(keys)}={_typed(value)}") == (keys, value)


@settings(max_examples=200, deadline=None)
@given(KEYS, TEXT)
def test_plain_text_stays_text(keys: list[str], text: str) -> None:
    assert parse_override(f"{'.'.join(keys)}={text}") == (keys, text)


@settings(max_examples=200, deadline=None)
@given(KEYS, st.text(max_size=30))
def test_key_is_everything_before_the_first_equals(keys: list[str], value: str) -> None:
    got_keys, _ = parse_override(f"{'.'.join(keys)}={value}")
    assert got_keys == keys  # whatever the value holds, '=' included


def _nested() -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.integers() | st.text(max_size=5) | st.booleans()
    return st.recursive(
        st.dictionaries(NAME, leaf, min_size=1, max_size=3),
        lambda inner: st.dictionaries(NAME, inner | leaf, min_size=1, max_size=3),
        max_leaves=10,
    )


def _paths(cfg: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for key, value in cfg.items():
        out.append((*prefix, key))
        if isinstance(value, dict):
            out += _paths(value, (*prefix, key))
    return out


@settings(max_examples=200, deadline=None)
@given(_nested(), st.data(), st.integers())
def test_apply_sets_one_leaf_and_copies(cfg: dict[str, Any], data: Any, value: int) -> None:
    path = data.draw(st.sampled_from(_paths(cfg)))
    before = copy.deepcopy(cfg)
    out = apply_overrides(cfg, [f"{'.'.join(path)}={value}"])
    assert cfg == before  # the input is never modified
    node = out
    for key in path[:-1]:
        node = node[key]
    assert node[path[-1]] == value
    # Every other path that does not run through the overridden key is unchanged.
    for other in _paths(before):
        if other[: len(path)] != path and path[: len(other)] != other:
            a, b = before, out
            for key in other:
                a, b = a[key], b[key]
            assert a == b
