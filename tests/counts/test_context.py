"""What is counted (issue 16): exact results on made-up sentences, one group per numbered
behaviour of the issue (6, the linear scan, is in test_linear.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gknlp.counts.grammar import count_dicts, find_counts


def _rows(text: str) -> list[tuple[str, str, str | None, str]]:
    return [(c.text, c.unit, c.counted, c.category) for c in find_counts(text)]


# 1. counted nouns keep the verbs that are part of them -------------------------------

def test_counts_request_outcomes_keep_their_verbs() -> None:
    assert _rows("其中同意公开12件、不予公开3件、无法提供5件、不予处理1件") == [
        ("12件", "件", "同意公开", "applications_handled"),
        ("3件", "件", "不予公开", "applications_handled"),
        ("5件", "件", "无法提供", "applications_handled"),
        ("1件", "件", "不予处理", "applications_handled"),
    ]


@pytest.mark.parametrize(
    "text,span,counted,category",
    [
        ("召开新闻发布会8场", "8场", "新闻发布会", "press_events"),
        ("主动公开信息数45条", "45条", "主动公开信息数", "info_published"),
        ("全年主动公开政府信息120条", "120条", "政府信息", "info_published"),
        ("因不掌握等原因无法提供6件", "6件", "无法提供", "applications_handled"),
        ("信息公开类行政复议2件", "2件", "信息公开类行政复议", "appeals_cases"),
        ("其中不予公开信息数79条", "79条", "不予公开信息数", "info_published"),
    ],
    ids=["press", "x-shu", "verb-stripped", "deng-yuanyin", "compound", "outcome-info"],
)
def test_counts_verbs_inside_nouns(text: str, span: str, counted: str, category: str) -> None:
    (c,) = find_counts(text)
    assert (c.text, c.counted, c.category) == (span, counted, category)


# 2. number + measure word + noun: the noun after the measure word --------------------

@pytest.mark.parametrize(
    "text,span,counted,category",
    [
        ("新增某局2个政务新媒体账号", "2个", "政务新媒体账号", "new_media_accounts"),
        ("关停3个长期未更新的政务新媒体", "3个", "政务新媒体", "new_media_accounts"),
        ("开展2轮文件清理工作", "2轮", "文件清理工作", "other"),
        ("安排2名工作人员从事信息公开工作", "2名", "工作人员", "staff"),
        ("覆盖八个领域的政务公开工作", "八个", "领域", "other"),
        ("组织开展6期《问政平潭》节目", "6期", "问政平潭", "press_events"),
        ("在主动公开的148条政府信息中", "148条", "政府信息", "info_published"),
        ("完成对接市场监管等16个部门", "16个", "部门", "other"),
    ],
    ids=["account", "de-clause", "generic-head", "verb-stop", "possessive-de", "title", "zhong", "examples-deng"],
)
def test_counts_noun_after_the_measure_word(text: str, span: str, counted: str, category: str) -> None:
    (c,) = find_counts(text)
    assert (c.text, c.counted, c.category) == (span, counted, category)


def test_counts_noun_after_measure_word_splits_a_measure_noun() -> None:
    assert [(c.text, c.value, c.unit, c.counted, c.category) for c in find_counts("两条微信阅读量达180万次")] == [
        ("两条", Decimal(2), "条", "微信", "other"),
        ("180万次", Decimal(1800000), "次", "阅读量", "readership"),
    ]


# 3. context along the sentence -------------------------------------------------------

def test_counts_share_is_about_the_count_before() -> None:
    assert _rows("予以公开20件，占40%；不予公开5件，占10%") == [
        ("20件", "件", "予以公开", "applications_handled"),
        ("40%", "%", "予以公开", "rate"),
        ("5件", "件", "不予公开", "applications_handled"),
        ("10%", "%", "不予公开", "rate"),
    ]


def test_counts_share_with_its_own_subject() -> None:
    (c,) = find_counts("差评数占评价总数的0.34%")
    assert (c.value, c.counted, c.category) == (Decimal("0.34"), "差评数", "rate")


@pytest.mark.parametrize(
    "text,value,unit,direction,change_value,change_unit",
    [
        ("受理申请30件，较上年增加3件", 30, "件", "increase", 3, "件"),
        ("答复率95%，较上年提高2个百分点", 95, "%", "increase", 2, "个百分点"),
        ("公开信息80条，同比减少5条", 80, "条", "decrease", 5, "条"),
    ],
    ids=["jian", "percentage-points", "tongbi"],
)
def test_counts_change_is_the_delta_of_the_count_before(
    text: str, value: int, unit: str, direction: str, change_value: int, change_unit: str
) -> None:
    (d,) = count_dicts(text)
    assert (d["value"], d["unit"], d["delta"]) == (value, unit, None)
    assert {k: d["change"][k] for k in ("direction", "value", "unit")} == {
        "direction": direction, "value": change_value, "unit": change_unit}
    assert text.endswith(d["change"]["text"])


def test_counts_relative_change_in_another_unit_stays_a_count() -> None:
    got = [(d["value"], d["unit"], d["delta"], d["change"]) for d in count_dicts("受理申请859件，申请数量较去年回落12.3%")]
    assert got == [(859, "件", None, None), (12.3, "%", "decrease", None)]


def test_counts_lone_change_is_a_count_with_delta() -> None:
    (c,) = find_counts("主动公开信息较上年增加3条")
    assert (c.value, c.delta, c.change) == (Decimal(3), "increase", None)


def test_counts_list_items_take_the_parent_category() -> None:
    assert _rows("受理申请9件，涉及规划信息2件、征地信息7件") == [
        ("9件", "件", "申请", "applications_received"),
        ("2件", "件", "规划信息", "applications_received"),
        ("7件", "件", "征地信息", "applications_received"),
    ]


def test_counts_list_items_keep_outcome_category_under_received() -> None:
    assert [c.category for c in find_counts("收到申请10件，其中予以公开6件，不予公开4件")] == [
        "applications_received", "applications_handled", "applications_handled"]


@pytest.mark.parametrize(
    "text,counted",
    [("群众诉求累计受理800件", "群众诉求"), ("全年通过网站公开政府信息共90条", "政府信息")],
    ids=["topic-before-qualifier", "qualifier-after-object"],
)
def test_counts_topic_noun_before_the_verb(text: str, counted: str) -> None:
    (c,) = find_counts(text)
    assert c.counted == counted


# 4. more number shapes ---------------------------------------------------------------

@pytest.mark.parametrize(
    "text,span,value,approx,unit,counted,category",
    [
        ("阅读人数12.3万", "12.3万", "123000", "exact", "", "阅读人数", "readership"),
        ("粉丝数达5.6万", "5.6万", "56000", "exact", "", "粉丝数", "readership"),
        ("信息数45", "45", "45", "exact", "", "信息数", "info_published"),
        ("播放量超2300万", "超2300万", "23000000", "more_than", "", "播放量", "readership"),
        ("服务窗口近 300 个", "近 300 个", "300", "about", "个", "服务窗口", "other"),
        ("服务群众45.9 万人", "45.9 万人", "459000", "exact", "人", "服务群众", "other"),
        ("举办讲座数十场", "数十场", "10", "at_least", "场", "讲座", "training_sessions"),
        ("举办讲座数百场", "数百场", "100", "at_least", "场", "讲座", "training_sessions"),
        ("满意度达八成", "八成", "8", "exact", "成", "满意度", "rate"),
        ("满意率达百分之九十五", "百分之九十五", "95", "exact", "%", "满意率", "rate"),
        ("公开事项3种", "3种", "3", "exact", "种", "公开事项", "other"),
        ("开展清理2轮次", "2轮次", "2", "exact", "轮次", "清理", "other"),
        ("接收物资5批次", "5批次", "5", "exact", "批次", "物资", "other"),
        ("受理申请超100件", "超100件", "100", "more_than", "件", "申请", "applications_received"),
        ("发布信息突破1000条", "突破1000条", "1000", "more_than", "条", "信息", "info_published"),
        ("培训至少20人次", "至少20人次", "20", "at_least", "人次", "培训", "people_trained"),
    ],
)
def test_counts_number_shapes(text: str, span: str, value: str, approx: str, unit: str, counted: str, category: str) -> None:
    (c,) = find_counts(text)
    assert (c.text, c.value, c.approx, c.unit, c.counted, c.category) == (
        span, Decimal(value), approx, unit, counted, category)
    assert text[c.start : c.end] == c.text


@pytest.mark.parametrize("text", ["惠及万人", "投资亿元以上", "覆盖万家企业", "信息数2020年", "提高公开质量1、健全制度"])
def test_counts_bare_wan_yi_is_never_a_number(text: str) -> None:
    assert find_counts(text) == []


# 5. narrow guards --------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,span,counted,category",
    [
        ("开通公众号41个", "41个", "公众号", "new_media_accounts"),
        ("开设视频号3个", "3个", "视频号", "new_media_accounts"),
        ("开设抖音号1个", "1个", "抖音号", "new_media_accounts"),
        ("注销2家维护不及时的网站", "2家", "网站", "other"),
    ],
)
def test_counts_narrow_guards_keep_counts(text: str, span: str, counted: str, category: str) -> None:
    (c,) = find_counts(text)
    assert (c.text, c.counted, c.category) == (span, counted, category)


@pytest.mark.parametrize(
    "text",
    ["坚持“两只手”协同发力", "打好“三张牌”", "构建三位一体工作格局", "统筹两个大局", "坚持货比三家、价比三家",
     "增强“四个意识”、做到“两个维护”", "文件编号粤府〔2020〕12号"],
)
def test_counts_slogans_and_set_phrases_are_not_counts(text: str) -> None:
    assert find_counts(text) == [], [c.to_dict() for c in find_counts(text)]


def test_counts_quoted_digits_are_still_counts() -> None:
    (c,) = find_counts("做到“3个工作日”内答复的申请12件")
    assert (c.text, c.counted) == ("12件", "申请")


# data, not code ----------------------------------------------------------------------

def test_counts_new_unit_and_category_are_data_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A measure word and a category added to the data files need no code change."""
    from gknlp.counts import grammar

    real = grammar._load

    def patched(name: str) -> object:
        data = real(name)
        if name == "units.json":
            data["units"].append({"unit": "座", "kind": "count"})
        if name == "categories.json":
            data["categories"].insert(0, {"name": "buildings", "counted": "公厕|驿站"})
        return data

    monkeypatch.setattr(grammar, "_load", patched)
    grammar._rules.cache_clear()
    try:
        assert _rows("新建城市驿站12座") == [("12座", "座", "城市驿站", "buildings")]
    finally:
        monkeypatch.undo()
        grammar._rules.cache_clear()
    assert find_counts("新建城市驿站12座") == []
