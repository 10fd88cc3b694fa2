"""Does the understanding account for every word of the question?

A table answer is given only when each content word of the question is explained: by the agency,
the year, the cell (its row, column or result), the kind of answer (sum, share, comparison,
ranking), or the ordinary words of any question (多少, 请问, 申请, 报告…). A word left over is a
qualifier no cell answers — 撤回, 驳回, 败诉率, 外省人, 男性, 局长 — and the question then goes to
the narrative, or is not found; it never gets a figure for a cell it did not ask about.
"""
from __future__ import annotations

import re

from .metrics import COLUMN_WORDS, T2_COLUMN_WORDS, T4_RESULT_WORDS, out_of_context, patterns_for

# Words any question about these reports may use without asking for anything more. Function words,
# question words, counters, and the names of the report and of what it is about.
GENERIC = set("""
多少 几 几件 几个 几起 几次 几条 几份 几项 多少件 多少个 多少起 多少次 多少条 多少份 多少项 一共 总共 共 共有 共计 合计 总数 总计
换成 换 改成 改为 那么 要是 如果是 再看看 再说说 接着 然后 同样 一样 也是 请问 问 问问 想 想问 想知道 知道 了解 查询 查 查一下 看看 告诉 告诉我 帮 帮我 一下 麻烦 谢谢 你好 您好
如果 方便 方便的话 如果方便的话 能否 能不能 可不可以 可否 劳驾 打扰 打扰一下 辛苦 辛苦了 感谢 多谢 谢 请教 咨询 问一下 请问一下 再问 再问一下 想了解 想了解一下 了解一下 请告诉我 告诉一下
我 我们 你 你们 他们 它 其 自己 本 该 此 这 那 这个 那个 这些 那些 这次 那次 这里 那里 哪 哪个 哪些 哪里
其中 里 里面 当中 之中 中 内 方面 情况 数量 数字 数据 件数 个数 数目 数 统计 统计数据 具体 分别 各 各自 各个 每
有 有没有 没有 没 是 是否 是不是 为 为了 因为 由于 所以 因 而 并 和 与 及 以及 或 或者 还是 还有 以及 跟 同
的 了 呢 吗 啊 呀 吧 嘛 哦 么 着 过 地 得 都 也 还 又 就 才 再 已 已经 曾 曾经 共 总 一 一个 一些 有些 有的
年 年度 年份 全年 当年 那年 这年 这一年 那一年 一年 本年 本年度 该年 该年度 期间 时候 时 的话 以来 全 整个 整年
报告 年报 年度报告 工作 工作年度报告 政府 政府信息 信息 公开 信息公开 政府信息公开 政务公开 政务 依申请 依申请公开 主动
申请 申请人 申请者 件 起 次 个 项 条 份 单位 部门 机关 本机关 单位的 机构 局里 局 委 办 官方 相关 有关 关于 对于 对 向 给 被 把 让 由 从 在 到 于 以
作出 做出 作了 做了 作 做 出 发生 产生 出现 涉及 属于 算 算是 计 计入 列为 显示 记录 记载 写 写的 写了 说 说的 讲 提到 提 表 表格 表里 里头
来 去 来了 收 收到 接到 提出 提交 提起 办 办理 处理 办结 答复 回复 作 情形 结果 决定 案件 案子 事项 类 种 方面的 方式 原因 因为是
多 少 更 最 比较 大概 大约 约 左右 到底 究竟 实际 实际上 真正 真的 一共是 总共是 能 可以 会 要 需要 应该 应 如何 怎么 怎样 怎么样 什么 啥
全区 全县 全市 全省 本区 本县 本市 辖区 全辖区 区里 县里 市里 汇总 全区汇总 本级 区级 县级 市级
引起 引发 导致 产生的 因而 通过 经过 方面 方式
印着 印的 印出来 印了 打印 普通 一般 判下来 判完
核实 核对 确认 查证 正文 文中 原文 文字 表格 表 上面 里头 好像 似乎 据说 听说 其实 当时 截至 截止 为止 年底 年末 年初 底 末
写着 写的 写了 说是 显示的 列的 一栏 栏 这栏 那栏 格子 到底是 究竟是 是多少 有多少 多少呢 呢 呀 哈
包括 包含 算上 加上 几家 几年 两年 三年 这几年 这三年 几份 哪份 哪一年 哪年 目前 现在 最后 最终 后来 新 新发 发 直接 继续 提供 不予 占 占多大 多大
行政 法院 法庭 采取 措施 金额 万元 元 钱 收费 通知 保护 权益 合法 机关 人员 群众 百姓 老百姓 单位
那边 这边 那儿 这儿 那头 这头 这类 那类 此类 这种 那种 递 递了 递交 交了 送 送了 报了 为由 以此为由 理由
拿到 得到 获得 获取 拿 给 给了 最后 最终 掉 比如 例如 譬如 像是 另外 此外 去做 得
手头 手上 手里 根本 材料 当成 当作 算作 算成 一下子 排一下 排一排
一句 一声 回 回一句 人说 有人 听人说 先走 走过 走了 先是 只有 仅有 仅 才 东西 说法 看到 换成 换 改成 改为 变成 这俩 那俩 俩 两家 这两家 那两家 咋样 咋 啥样 朋友 同事 邻居 亲戚 家人 别人 光 就 靠谱 靠不靠谱 对不对 准不准 属实 可信 没错 一块 一块儿 一块儿加 加一块
""".split())

# the posts people hold in an agency: 局长, 县长, 主任, 书记, 组长, 负责人…
POSTS = r"(?:副)?(?:[县区市省州乡镇处科厅部院所队站局]长|主任|书记|领导|组长|负责人|发言人)"
# 「局长是谁」「县长叫什么名字」: who holds a post — a person's name, which only a sentence naming them answers
PERSON_ASKED = re.compile(r"(" + POSTS + r")[^，。？?]{0,4}(?:是谁|叫什么|姓什么|名字|是哪位|谁啊|谁呀)|(?:谁|哪位)[^，。？?]{0,3}(?:是|当|任|担任)[^，。？?]{0,4}?(" + POSTS + ")")


def names_the_holder(post: str, sentence: str) -> bool:
    """Does the sentence name who holds the post (「局长某某某同志」「局长：某某某」「某某某同志任组长」)? 副局长 is
    not 局长."""
    before = "" if post.startswith("副") else "(?<!副)"
    return bool(re.search(before + re.escape(post) + r"(?:[：:]\s*[\u4e00-\u9fff]{2,3}|[\u4e00-\u9fff]{2,3}同志)", sentence)
                or re.search(r"[\u4e00-\u9fff]{2,3}同志(?:任|担任|为)" + re.escape(post), sentence))


# Qualifiers that change which figure is meant and no cell of the format holds: a question using one
# is not a table question. (The words themselves are general: they name what the format does not count.)
NO_CELL = re.compile(
    r"撤回|撤销申请|驳回|败诉|胜诉率|外省|外地|外国|境外|男性|女性|男的|女的|年龄|岁|学历|" + POSTS + "|"
    r"预算|经费|财政|资金|工资|平均|天数|多少天|多久|时长|满意|点击|浏览|访问量|粉丝|"
    r"每个?月|按月|各月|逐月|哪个?月|月份|几月|每个?季度|哪个?季度|每周|每天")


def format_labels() -> list[str]:
    """Every label the format prints: table titles, and each row and column of both versions."""
    from ingest.layout import T3_COLUMNS, T4_GROUPS, T4_RESULTS, TABLE_TITLES, table2_blocks, table3_rows

    labels = [*TABLE_TITLES.values()]
    for fmt in ("2021", "2019"):
        for b in table2_blocks(fmt):
            labels += [b.label, *(r.label for r in b.rows), *(c.label for c in b.columns)]
    for single in (False, True):
        labels += [r.label for r in table3_rows(single)]
    return labels + [c.label for c in (*T3_COLUMNS, *T4_GROUPS, *T4_RESULTS)]


def _label_words(labels: list[str]) -> set[str]:
    from vectorstore.chunks import _jieba

    words = {w for label in labels for w in _jieba().cut(re.sub(r"[^\u4e00-\u9fff]", " ", label)) if len(w) >= 2}
    return words | {label for label in labels if len(label) <= 6}


def _format_words() -> set[str]:
    """The words of the format's own labels (every row, column and table title of both versions):
    a question using them names cells, whatever span a cell's pattern happened to cover."""
    return _label_words([*format_labels(), "表一", "表二", "表三", "表四"])


_ROW_OWN_WORDS: dict[str, set[str]] = {}


def _own_words(key: str) -> set[str]:
    """The words of a table 三 row's label no other label uses (信访, 举报, 投诉 of 信访举报投诉类申请)."""
    if key not in _ROW_OWN_WORDS:
        from ingest.layout import table3_rows

        rows = [r for single in (False, True) for r in table3_rows(single)]
        mine = [r.label for r in rows if r.key == key]
        others = [label for label in format_labels() if label not in mine]
        _ROW_OWN_WORDS[key] = _label_words(mine) - _label_words(others)
    return _ROW_OWN_WORDS[key]


def words_naming_cells(question: str) -> set[str]:
    """The format's words that name cells in this question: a row's own words only where the row may be
    named (metrics.in_context) — 「接到的信访投诉事项」 speaks of petitions, not of the row for them."""
    gated = out_of_context(question)
    if not gated:
        return format_words()
    return format_words() - set().union(*(_own_words(k) for k in gated))


_FORMAT_WORDS: set[str] | None = None


# 「听说…收了一亿六千多万？真的假的」「有人说有23件，这个数靠谱吗」: a figure the asker heard, and the asking
# whether it is right, ask for the same cell (the answer gives the printed figure)
CONFIRM = re.compile(r"真的假的|真假|是真的吗|是不是真的|对不对|对吗|准不准|准确吗|靠不靠谱|靠谱吗|靠谱不|是这样吗|是吗|对吧|"
                     r"属实吗|是否属实|是否准确|没错吧|有没有错|有没有这么多|有这么多吗")
STATED_AMOUNT = re.compile(r"(?:[一二两三四五六七八九十几]+|上|近|好几)(?:[十百千万亿][一二三四五六七八九几]?)+[多余来]?[十百千万亿]?")


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_SECTION = {"万": 10_000, "亿": 100_000_000}
_ABOUT = "多余来"
_STATED_UNIT = r"(?:元|件|起|次|条|个|人|篇|项|份)"
_STATED_DIGITS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*([多余来])?\s*(?=[万亿]|" + _STATED_UNIT + r")(万|亿)?" + _STATED_UNIT + "?")


def _cn_amount(text: str) -> tuple[float, float] | None:
    """一亿六千多万 → [160,000,000, 170,000,000): a number in words, 多/余/来 making it a range."""
    total, section, digit, width, last_unit = 0.0, 0.0, 0, 0.0, 1
    about_at = None
    for ch in text:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            section += (digit or 1) * _CN_UNIT[ch]
            digit, last_unit = 0, _CN_UNIT[ch]
        elif ch in _CN_SECTION:
            section += digit
            mult = _CN_SECTION[ch]
            if about_at is not None and not width:
                width = about_at * mult
            if ch == "亿":
                total = (total + section) * mult
            else:
                total += section * mult
            section, digit, last_unit = 0.0, 0, mult
        elif ch in _ABOUT:
            about_at = last_unit if not digit else 1
        else:
            return None
    low = total + section + digit
    if about_at is not None and not width:
        width = about_at
    return (low, low + width) if width else (low, low)


def stated_amount(question: str) -> tuple[str, float, float] | None:
    """The one figure a question states to have it checked (「听说有23件，对不对」「收了一亿六千多万？真的假的」):
    its text and the range it says, in the units counted (件) or in 元 for money; None unless the question
    asks whether it is right and states exactly one."""
    if not CONFIRM.search(question):
        return None
    found = []
    for m in _STATED_DIGITS.finditer(question):
        n = float(m.group(1))
        mult = {"万": 10_000, "亿": 100_000_000}.get(m.group(3) or "", 1)
        digits = m.group(1)
        if "." in digits:  # 1.6亿: said to its last decimal place
            half = 0.5 * 10 ** -len(digits.split(".")[1])
            found.append((m.group(0).strip(), (n - half) * mult, (n + half) * mult))
            continue
        width = 10 ** (len(digits) - len(digits.rstrip("0"))) if m.group(2) else 0
        found.append((m.group(0).strip(), n * mult, (n + width) * mult))
    for m in STATED_AMOUNT.finditer(question):
        rng = _cn_amount(m.group(0))
        if rng is not None:
            unit = re.match(_STATED_UNIT, question[m.end():])
            found.append((m.group(0) + (unit.group(0) if unit else ""), *rng))
    return found[0] if len(found) == 1 else None


# 「那连打官司的一起算呢」: the follow-up adds a measure to the one before (understand.merge)
WITH_PREVIOUS = re.compile(r"(?:那|那么)?连(?=[^，,。？?]{0,12}(?:一起|一块|一并|在内))|一起算|一块算|一并算|算在内|"
                           r"加上|算上|再加上?|也算上?")

# 「属于过程性信息（讨论记录、请示报告那种）」「（比如会议纪要）」: an aside that illustrates what the question
# names, not a qualifier of its own
ILLUSTRATION = re.compile(r"[（(](?:比如|例如|像是?|譬如)[^（）()]{1,30}[）)]|[（(][^（）()]{1,30}(?:那种|那类|之类|这类|一类|等等|等)[）)]")


# 「听说…超过一半都公开了」: a proportion the asker heard, to be set beside the printed figure — no qualifier
HEARD_PROPORTION = re.compile(r"(?:超过|不到|接近|将近|差不多|大约|约)?(?:一半|半数|过半|大半|[一二三四五六七八九]成)(?:以上|以下|多)?")
THRESHOLD = re.compile(r"(?:超过|超出|不到|不足|达到|突破|过了|满)\s*\d+(?:\.\d+)?\s*(?:万|亿)?[件条个份起项次元]?|翻了?一?[倍番]|翻倍|翻番")
HEARSAY = re.compile(r"听说|据说|听人说|有人说|说是|网上说")


def explained_texts(question: str) -> list[str]:
    """The pieces of the question the table lexicon explains (cell, column, result words)."""
    out = [m.group(0) for rx in (CONFIRM, STATED_AMOUNT, ILLUSTRATION, WITH_PREVIOUS) for m in rx.finditer(question)]
    if HEARSAY.search(question):
        out += [m.group(0) for m in HEARD_PROPORTION.finditer(question)]
    # 「超过300件了吗」「有没有翻倍」: a threshold the asker checks the figure against — the figure answers it
    out += [m.group(0) for m in THRESHOLD.finditer(question)]
    if CONFIRM.search(question):
        out += [m.group(0) for m in _STATED_DIGITS.finditer(question)]
    for pattern in patterns_for(question):
        out += [m.group(0) for m in re.finditer(pattern, question)]
    for _, rx in (*COLUMN_WORDS, *T4_RESULT_WORDS, *T2_COLUMN_WORDS):
        out += [m.group(0) for m in rx.finditer(question)]
    # a result the question rules out (既没维持也没纠正) is read, as what it is not
    out += [m.group(0) for m in re.finditer(r"(?:既|也|并)?[没未不非](?:有|被)?(?:维持|纠正|纠错)", question)]
    return [t for t in out if t]


def unexplained(question: str, explained: list[str], singles: bool = False) -> list[str]:
    """Content words of `question` that neither `explained` nor the ordinary words account for.
    `singles`: a content character standing alone (「花了多少钱」: 花, 钱) counts too."""
    # every place any explained piece covers, in the question as asked (overlapping pieces — 拒绝公开 and
    # 公开了几 — each explain their own part whatever the order they are found in)
    covered = [False] * len(question)
    for piece in set(explained + explained_texts(question)):
        if piece:
            for m in re.finditer(re.escape(piece), question):
                covered[m.start():m.end()] = [True] * (m.end() - m.start())
    rest = "".join(" " if c else ch for ch, c in zip(question, covered))
    naming = words_naming_cells(question)
    words = []
    for token in cut_words(rest):
        t = token.strip()
        if singles and len(t) == 1 and "\u4e00" <= t <= "\u9fff" and t not in GENERIC and t not in _FUNCTION_CHARS \
                and t not in _CONVERSATION_CHARS and t not in _COUNTERS and t not in _label_text():
            words.append(t)
            continue
        if len(t) < 2 or not re.search(r"[\u4e00-\u9fff]", t) or t in GENERIC or t in naming:
            continue
        if all(ch in "".join(GENERIC) for ch in t) and not NO_CELL.search(t):
            continue  # made of ordinary words jieba joined (这件, 几次了)
        words.append(t)
    # a qualifier no cell holds stays unexplained even inside a phrase a cell's pattern spans
    # (「申请里，男性申请人有多少」)
    words += [m.group(0) for m in NO_CELL.finditer(question)
              if m.group(0) not in "".join(words) and not any(m.group(0) in e for e in explained if len(e) > len(m.group(0)))]
    return words


# 网上 (online) as reports say it: 门户网站, 网络, 在线, 政府采购网 (to find a passage by, never to
# qualify a count: 「通过网上提交的有多少件」 is not answered by 「通过邮寄、网络提交的…81件」)
NET_FORMS = ("网上", "网站", "网络", "在线", "网")
SITE_FORMS = ("官网", "门户网站", "网站", "官方网站")  # an agency's own website


def cut_words(text: str) -> list[str]:
    """jieba's words of a question, with a website named before a postposition put back together:
    jieba cuts 官网上 as 官 + 网上 and 采购网上 as 采购 + 网上 (网上, online, being a word of its own);
    when the piece before 网上 is a lone character that is no ordinary word (官) or makes a dictionary
    word with 网 (采购网), the words are that site and 上. 通过网上, 是网上 stay online."""
    from vectorstore.chunks import _jieba

    j = _jieba()
    # the names of an agency's accounts, which jieba cuts wrongly (「微信号」 as 微 + 信号), stay whole
    words = []
    for piece in _ACCOUNT_WORDS.split(text):
        words += [piece] if piece in ACCOUNT_FORMS or piece in _PLATFORMS else j.lcut(piece) if piece else []
    out: list[str] = []
    for w in words:
        if w in ("网上", "网里", "网中") and out:
            p = out[-1]
            lone = len(p) == 1 and "\u4e00" <= p <= "\u9fff" and p not in GENERIC and p not in _FUNCTION_CHARS
            if lone or (len(p) >= 2 and j.dt.FREQ.get(p + "网")):
                out[-1] = p + "网"
                continue
        out.append(w)
    return out


# what people call an agency's accounts, and the words reports use for them
ACCOUNT_FORMS = {"微信号": ("微信", "公众号"), "公众号": ("公众号", "微信"), "视频号": ("视频号",), "订阅号": ("订阅号", "公众号"),
                 "抖音号": ("抖音",), "微博号": ("微博",), "头条号": ("头条",)}
# the platforms themselves, kept whole too (jieba cuts 「微博和微信」 as 微博和微 + 信)
_PLATFORMS = ("微信", "微博", "抖音", "快手", "头条", "小程序", "客户端")
_ACCOUNT_WORDS = re.compile("(" + "|".join(sorted((*ACCOUNT_FORMS, *_PLATFORMS), key=len, reverse=True)) + ")")
# what a follow-up says besides what it changes: 「那…呢」「换成…」「要是…的话」「再看看…」
_CONVERSATION_CHARS = set("那呢换改若比跟同较再看")
_FUNCTION_CHARS = set("的了是在有和与及从到对把给让被里中上下向往用由经走于也都就才还只可能会要去来")
# forms a sentence may use for a qualifier the question names (撤回 in a question, 自行撤销 in the report)
QUALIFIER_FORMS = {
    "撤回": ("撤回", "撤销", "撤申请"), "撤销申请": ("撤回", "撤销"), "驳回": ("驳回",), "败诉": ("败诉",),
    "外地": ("外地", "外省", "省外", "市外"), "外省": ("外省", "省外", "外地"), "局长": ("局长",), "主任": ("主任",),
    "预算": ("预算",), "经费": ("经费",), "平均": ("平均",), "多少天": ("天", "工作日"), "天数": ("天", "工作日"),
    "官网": SITE_FORMS, "订阅": ("订阅", "关注", "粉丝"), **ACCOUNT_FORMS,
}


_COUNTERS = "篇件个条份次项起名人家"
_SIZE_WORDS = "小微短长大"
_PLACE_ENDS = "楼室厅"
_LOCALIZERS = "上里中内"


def without_localizer(word: str) -> str:
    """A place word without its postposition (微博上 → 微博, 系统里 → 系统): the report names the place
    bare. Only a word jieba joined from the characters (no dictionary word: 实际上, 网上 stay)."""
    from vectorstore.chunks import _jieba

    if len(word) >= 3 and word[-1] in _LOCALIZERS and word not in GENERIC and not _jieba().dt.FREQ.get(word):
        return word[:-1]
    return word


def qualifier_forms(word: str) -> tuple[str, ...]:
    m = NO_CELL.search(word)
    key = m.group(0) if m else word
    if len(key) >= 3 and key[0] in _COUNTERS:
        key = key[1:]  # 「多少篇文章」 cut as 篇文章: the sentence says 文章…1312篇
    key = without_localizer(key)  # 「在微博上」 cut as 微博上: the sentence says 微博信息发布…条
    forms = QUALIFIER_FORMS.get(key, (key,))
    if len(key) == 3 and key[-1] in _PLACE_ENDS:
        forms = (*forms, key[:2])  # 「办公楼的公开栏」: the report says 办公区域; the place without its 楼/室 says it
    if len(key) >= 3 and key[0] in _SIZE_WORDS:
        # 「小视频」 is what the report calls 微视频 or 短视频: the thing without its size word says it
        forms = (*forms, key[1:])
    return forms


def format_words() -> set[str]:
    global _FORMAT_WORDS
    if _FORMAT_WORDS is None:
        _FORMAT_WORDS = _format_words()
    return _FORMAT_WORDS


def one_slip(word: str, names: list[str]) -> bool:
    """A word one character away from a name the question used (政付 for 政府)."""
    return any(len(word) == len(n) and sum(a != b for a, b in zip(word, n)) == 1 for n in names)


_LABEL_TEXT: str | None = None


def _label_text() -> str:
    global _LABEL_TEXT
    if _LABEL_TEXT is None:
        _LABEL_TEXT = "|".join(format_labels())
    return _LABEL_TEXT


def _group_terms() -> set[str]:
    """The names of the result groups, of table 四's groups and of the short rows, as printed without
    their numbers and notes: 不予公开, 无法提供, 复议后起诉, 部分公开…"""
    from ingest.layout import T3_GROUP_LABELS, T4_GROUPS, table3_rows
    names = {re.sub(r"^（[一二三四五六七八九十]+）", "", v) for v in T3_GROUP_LABELS.values()}
    rows = {re.sub(r"（[^）]*）", "", re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)", "", r.label))
            for single in (False, True) for r in table3_rows(single)}
    # the format's name for what table 三 counts, printed inside its headline rows' labels
    # (本年新收政府信息公开申请数量): 「信息公开申清」 is a slip of it
    phrases = {"政府信息公开申请", "信息公开申请"}
    return (names | {r for r in rows if len(r) <= 8} | {part for g in T4_GROUPS for part in g.label.split("·")}
            | phrases)


_SLIPS: dict[str, list[str]] | None = None  # each term with one character blanked → the terms


_HALVES: set[tuple[int, int, str]] = set()  # (length, which half, text) of every term


def _term_slips() -> dict[str, list[str]]:
    global _SLIPS
    if _SLIPS is None:
        _SLIPS = {}
        for t in sorted(format_words() | _group_terms(), key=len, reverse=True):
            if len(t) >= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", t):
                for k in range(len(t)):
                    _SLIPS.setdefault(t[:k] + "\0" + t[k + 1:], []).append(t)
                # one character wrong leaves one half of the term intact: a cheap test before the lookups
                _HALVES.update({(len(t), 0, t[:len(t) // 2]), (len(t), 1, t[len(t) // 2:])})
    return _SLIPS


def _in_a_term(text: str, pos: int) -> bool:
    """Is the character at pos part of a word of the format's labels (「行政处罚决定数量」: 罚 is in 行政处罚,
    so 处罚决定数量 is no slip of 处理决定数量)?"""
    words = format_words()
    for n in range(2, 9):
        for start in range(max(0, pos - n + 1), pos + 1):
            if text[start:start + n] in words and len(text[start:start + n]) == n:
                return True
    return False


def correct_term_slips(question: str, keep: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """A term of the format typed with one character wrong (行政复以, 行政复义 for 行政复议), written as
    the term, with a note saying so. Only terms of four characters or more, and only where the typed
    text is not itself a word (of the format's labels, the ordinary words or the dictionary): 不再处理
    stays 不再处理. `keep`: texts already read as something else (the agency's name). Same length, so
    positions hold."""
    from vectorstore.chunks import _jieba

    slips = _term_slips()
    lengths = sorted({len(k) for k in slips}, reverse=True)
    labels, freq = _label_text(), _jieba().dt.FREQ
    out, notes = question, []
    i = 0
    while i < len(out):
        step = 1
        for n in lengths:
            window = out[i:i + n]
            if len(window) < n or ((n, 0, window[:n // 2]) not in _HALVES and (n, 1, window[n // 2:]) not in _HALVES):
                continue
            if window in labels:
                continue
            for k in range(n):
                if not "\u4e00" <= window[k] <= "\u9fff":
                    continue
                terms = [t for t in slips.get(window[:k] + "\0" + window[k + 1:], ()) if t != window]
                if (len(terms) == 1 and window not in GENERIC and not freq.get(window)
                        and not any(window in kept for kept in keep if kept) and not _in_a_term(out, i + k)):
                    out = out[:i] + terms[0] + out[i + n:]
                    notes.append(f"「{window}」读作「{terms[0]}」")
                    step = n
                    break
            if step > 1:
                break
        i += step
    return _core_word_slips(out, notes, keep, freq)


# the words every question about these reports uses: typed with one character wrong (申清, 公升) where
# the typed text is no word of the dictionary, read as the word
CORE_WORDS = ("申请", "公开", "信息")


def _core_word_slips(question: str, notes: list[str], keep: tuple[str, ...], freq) -> tuple[str, list[str]]:
    out = question
    # (a platform's name is no slip: 「微信加起来」 holds no 信息 typed wrong)
    named = {k for p in _PLATFORMS for m in re.finditer(p, out) for k in range(m.start(), m.end())}
    for i in range(len(out) - 1):
        if i in named or i + 1 in named:
            continue
        window = out[i:i + 2]
        if window in CORE_WORDS or freq.get(window) or not all("\u4e00" <= c <= "\u9fff" for c in window):
            continue
        if any(window in kept for kept in keep if kept) or any(out[max(0, i - 1):i + 3].find(w) >= 0 for w in CORE_WORDS):
            continue  # (a core word already there: 申请信 is 申请 + 信)
        if (i > 0 and freq.get(out[i - 1:i + 1])) or freq.get(out[i + 1:i + 3]):
            continue  # each character already in a word with its neighbour (的话|请, 想|请问): no typo
        for word in CORE_WORDS:
            if sum(a != b for a, b in zip(window, word)) == 1:
                out = out[:i] + word + out[i + 2:]
                notes.append(f"「{window}」读作「{word}」")
                break
    return out, notes
