"""The OpenCC shortcut is trusted only with the OpenCC it was built from."""

from __future__ import annotations

import warnings

import pytest

from gknlp.text import t2s


@pytest.fixture
def fresh_pattern():
    """may_change's pattern is built once per process: rebuild it around each test."""
    t2s._pattern.cache_clear()
    yield
    t2s._pattern.cache_clear()


def test_t2s_file_names_the_opencc_it_was_built_from() -> None:
    assert t2s.built_with() == "1.4.2"


def test_t2s_installed_version_is_the_package_metadata_version() -> None:
    import importlib.metadata

    assert t2s.installed_opencc_version() == importlib.metadata.version("opencc") == "1.4.2"


def test_t2s_same_version_skips_simplified_text(fresh_pattern, monkeypatch) -> None:
    monkeypatch.setattr(t2s, "installed_opencc_version", lambda: "1.4.2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not t2s.may_change("本年度政府信息公开工作情况")
        assert t2s.may_change("政府資訊公開")
        assert not t2s.may_change("")


def test_t2s_other_version_warns_once_and_sends_every_text(fresh_pattern, monkeypatch) -> None:
    monkeypatch.setattr(t2s, "installed_opencc_version", lambda: "1.1.6")
    with pytest.warns(RuntimeWarning, match=r"built from OpenCC 1\.4\.2, but OpenCC 1\.1\.6 is installed"):
        assert t2s.may_change("本年度政府信息公开工作情况")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not again
        assert t2s.may_change("")
        assert t2s.may_change("政府資訊公開")


def test_t2s_no_opencc_metadata_is_another_version(fresh_pattern, monkeypatch) -> None:
    monkeypatch.setattr(t2s, "installed_opencc_version", lambda: None)
    with pytest.warns(RuntimeWarning, match="OpenCC None is installed"):
        assert t2s.may_change("公开")


def test_t2s_keeps_length_only_when_trusted(fresh_pattern, monkeypatch) -> None:
    """The file says every entry keeps its length; a file from another OpenCC says nothing."""
    t2s.keeps_length.cache_clear()
    monkeypatch.setattr(t2s, "installed_opencc_version", lambda: "1.4.2")
    assert t2s.keeps_length() and [m.group() for m in t2s.flagged("覆盖宣傳x")] == ["覆", "傳"]
    t2s.keeps_length.cache_clear()
    t2s._pattern.cache_clear()
    monkeypatch.setattr(t2s, "installed_opencc_version", lambda: "1.1.6")
    with pytest.warns(RuntimeWarning):
        assert not t2s.keeps_length()
    t2s.keeps_length.cache_clear()
