"""The English UI is complete: every source string has a translation, and English pages show no Chinese.

Chinese (zh-hans) is the source language: every msgid is Chinese, and English comes from
``shequ/locale/en/LC_MESSAGES/django.po``. When a test here fails because a string is missing from the
catalogue, run ``make messages``, translate the new entries in the .po, run ``make messages`` again (it
compiles the .mo), and commit both files.

The .po is read with a small parser here, so the tests need no gettext tools and no polib.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.utils.translation import trim_whitespace

import shequ

PACKAGE = Path(shequ.__file__).resolve().parent
PO_FILE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
REFRESH = "run `make messages`, translate the new entries in the .po, then `make messages` again"

# Han ideographs, CJK symbols and punctuation (、。「」【】), and fullwidth forms (，：（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
EN = {"django_language": "en"}


# --------------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def translations(self) -> list[str]:
        if self.msgid_plural is not None:
            return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]
        return [self.msgstr]


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$')
_CONTINUATION = re.compile(r'^"(.*)"$')


def _unescape(text: str) -> str:
    return ast.literal_eval('"' + text + '"')


def parse_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file (the header is the entry whose msgid is empty)."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgid or current.msgstr or current.line):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        elif line.startswith("#"):
            if current is not None and target is not None and target[0].startswith("msgstr"):
                finish()
            if line.startswith("#,"):
                current = current or PoEntry(line=number)
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), _unescape(keyword.group(3))
            if (
                name in ("msgctxt", "msgid")
                and current is not None
                and target is not None
                and target[0].startswith("msgstr")
            ):
                finish()
            if current is None:
                current = PoEntry(line=number)
            current.line = current.line or number
            current.obsolete = current.obsolete or obsolete
            if name.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else None)
                if index is not None:
                    current.msgstr_plural[int(index)] = value
                else:
                    current.msgstr = value
            else:
                target = (name, None)
                setattr(current, name, value)
            continue
        continuation = _CONTINUATION.match(line)
        assert continuation and current is not None and target is not None, (
            f"{path.name}:{number}: cannot parse {raw!r}"
        )
        value = _unescape(continuation.group(1))
        name, index = target
        if name == "msgstr" and index is not None:
            current.msgstr_plural[index] += value
        else:
            setattr(current, name, getattr(current, name) + value)
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[PoEntry]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: {REFRESH}"
    return parse_po(PO_FILE)


def _messages(entries: list[PoEntry]) -> list[PoEntry]:
    return [e for e in entries if e.msgid and not e.obsolete]


def _header(entries: list[PoEntry]) -> dict[str, str]:
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    pairs = (line.split(":", 1) for line in header.msgstr.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_parser_reads_contexts_plurals_and_continuations(tmp_path: Path) -> None:
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid "甲%(n)s"\nmsgstr "A%(n)s"\n\n'
        'msgctxt "ctx"\nmsgid ""\n"乙"\n"丙"\nmsgstr "B \\"C\\""\n\n'
        'msgid "一个"\nmsgid_plural "多个"\nmsgstr[0] "one"\nmsgstr[1] ""\n"many"\n\n'
        '#~ msgid "旧"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    entries = parse_po(sample)
    assert [e.msgid for e in entries] == ["", "甲%(n)s", "乙丙", "一个", "旧"]
    assert _header(entries)["Language"] == "en"
    assert entries[1].flags == {"fuzzy", "python-format"} and entries[1].msgstr == "A%(n)s"
    assert entries[2].key == ("ctx", "乙丙") and entries[2].msgstr == 'B "C"'
    assert entries[3].msgid_plural == "多个" and entries[3].translations() == ["one", "many"]
    assert entries[4].obsolete and _messages(entries) == entries[1:4]


def test_catalogue_header(po_entries: list[PoEntry]) -> None:
    header = _header(po_entries)
    assert header.get("Language") == "en"
    assert header.get("Project-Id-Version") == "shequ"
    assert header.get("Content-Type") == "text/plain; charset=UTF-8"
    assert header.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert "fuzzy" not in po_entries[0].flags


def test_every_entry_is_translated(po_entries: list[PoEntry]) -> None:
    messages = _messages(po_entries)
    assert len(messages) > 100
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy entries (check them and remove the flag):\n" + "\n".join(fuzzy)
    untranslated = [
        f"line {e.line}: {e.msgid!r}"
        for e in messages
        if not all(t.strip() for t in e.translations())
        or (e.msgid_plural is not None and sorted(e.msgstr_plural) != [0, 1])
    ]
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)
    still_chinese = [
        f"line {e.line}: {e.msgid!r} → {t!r}"
        for e in messages
        for t in e.translations()
        if CJK.search(t)
    ]
    assert not still_chinese, "translations with Chinese text left in them:\n" + "\n".join(
        still_chinese
    )


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sdrf]|\{\w*\}")


def test_translations_keep_placeholders(po_entries: list[PoEntry]) -> None:
    wrong = []
    for e in _messages(po_entries):
        source = set(PLACEHOLDER.findall(e.msgid + (e.msgid_plural or "")))
        for i, text in enumerate(e.translations()):
            found = set(PLACEHOLDER.findall(text))
            # An English singular may spell the number out ("one"), so it may drop a placeholder.
            ok = found <= source if (e.msgid_plural is not None and i == 0) else found == source
            if not ok:
                wrong.append(f"line {e.line}: {e.msgid!r}: expected {sorted(source)}, got {text!r}")
    assert not wrong, "placeholders changed:\n" + "\n".join(wrong)


def test_compiled_catalogue_matches_the_po(po_entries: list[PoEntry]) -> None:
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run `make messages` and commit the .mo"
    with MO_FILE.open("rb") as handle:
        compiled = stdlib_gettext.GNUTranslations(handle)
    stale = []
    for e in _messages(po_entries):
        if e.msgid_plural is not None:
            got = [
                compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                if e.msgctxt is not None
                else compiled.ngettext(e.msgid, e.msgid_plural, n)
                for n in (1, 2)
            ]
        elif e.msgctxt is not None:
            got = [compiled.pgettext(e.msgctxt, e.msgid)]
        else:
            got = [compiled.gettext(e.msgid)]
        if got != e.translations():
            stale.append(f"{e.msgid!r}: .po says {e.translations()!r}, .mo says {got!r}")
    assert not stale, "the .mo is out of date; run `make messages`:\n" + "\n".join(stale)


# --------------------------------------------------------------------------------------------------
# The catalogue is not stale: every literal msgid in the sources is in it
# --------------------------------------------------------------------------------------------------

SKIP_DIRS = {"tests", "migrations", "vendor", "locale", "__pycache__"}

# name → positions of (context, singular, plural) among the positional arguments
GETTEXT_FUNCTIONS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}

TRANSLATE_TAG = re.compile(
    r"""\{%\s*trans(?:late)?\s+(?P<q>["'])(?P<msg>.*?)(?P=q)(?P<rest>.*?)%\}""", re.S
)
BLOCK_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b(?P<args>.*?)%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}",
    re.S,
)
CONTEXT_ARG = re.compile(r"""\bcontext\s+(["'])(.*?)\1""")
TEMPLATE_UNDERSCORE = re.compile(r"""\b_\(\s*(["'])(.*?)\1\s*\)""")
TEMPLATE_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")
PLURAL_TAG = re.compile(r"\{%\s*plural\s*%\}")


@dataclass(frozen=True)
class SourceString:
    where: str
    msgid: str
    msgctxt: str | None = None


def source_files(suffix: str) -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob(f"*{suffix}")
        if not SKIP_DIRS.intersection(p.relative_to(PACKAGE).parts[:-1])
        and p.name != "test_settings.py"
    )


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _block_msgid(body: str, trimmed: bool) -> str:
    """The msgid Django's makemessages builds from a blocktranslate body."""
    text = TEMPLATE_VAR.sub(lambda m: "\0" + m.group(1) + "\0", body).replace("%", "%%")
    text = re.sub("\0(\\w+)\0", r"%(\1)s", text)
    return trim_whitespace(text) if trimmed else text


def template_strings() -> list[SourceString]:
    found = []
    for path in source_files(".html"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", text, flags=re.S)
        name = path.relative_to(PACKAGE)
        for m in TRANSLATE_TAG.finditer(text):
            context = CONTEXT_ARG.search(m.group("rest"))
            found.append(
                SourceString(
                    f"{name}:{_line(text, m.start())}",
                    m.group("msg").replace("%", "%%"),
                    context.group(2) if context else None,
                )
            )
        for m in BLOCK_TAG.finditer(text):
            args = m.group("args")
            singular = PLURAL_TAG.split(m.group("body"))[0]
            context = CONTEXT_ARG.search(args)
            found.append(
                SourceString(
                    f"{name}:{_line(text, m.start())}",
                    _block_msgid(singular, trimmed=re.search(r"\btrimmed\b", args) is not None),
                    context.group(2) if context else None,
                )
            )
        for m in TEMPLATE_UNDERSCORE.finditer(text):
            found.append(SourceString(f"{name}:{_line(text, m.start())}", m.group(2)))
    return found


def python_strings() -> list[SourceString]:
    found = []
    for path in source_files(".py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name not in GETTEXT_FUNCTIONS:
                continue
            ctx_at, msg_at, _plural_at = GETTEXT_FUNCTIONS[name]
            args = node.args
            if len(args) <= msg_at:
                continue
            msg = args[msg_at]
            ctx = args[ctx_at] if ctx_at is not None else None
            if not (isinstance(msg, ast.Constant) and isinstance(msg.value, str)):
                continue
            if ctx is not None and not (
                isinstance(ctx, ast.Constant) and isinstance(ctx.value, str)
            ):
                continue
            found.append(
                SourceString(
                    f"{path.relative_to(PACKAGE)}:{node.lineno}",
                    msg.value,
                    ctx.value if isinstance(ctx, ast.Constant) else None,
                )
            )
    return found


def test_source_scanner_understands_the_template_forms() -> None:
    assert _block_msgid("\n  您好，{{ name }}\n  欢迎\n", trimmed=True) == "您好，%(name)s 欢迎"
    assert _block_msgid("{{ counter }} 条 100%", trimmed=False) == "%(counter)s 条 100%%"
    m = TRANSLATE_TAG.search("""{% translate "、" context "separator" as sep %}""")
    assert (
        m and m.group("msg") == "、" and CONTEXT_ARG.search(m.group("rest")).group(2) == "separator"
    )


def test_every_source_string_is_in_the_catalogue(po_entries: list[PoEntry]) -> None:
    strings = template_strings() + python_strings()
    assert len(strings) > 100, "the source scan found almost nothing; has the layout changed?"
    known = {e.key for e in _messages(po_entries)}
    missing = sorted(
        {
            f"{s.where}: {s.msgid!r}" + (f" (context {s.msgctxt!r})" if s.msgctxt else "")
            for s in strings
            if (s.msgctxt, s.msgid) not in known
        }
    )
    assert not missing, f"strings missing from {PO_FILE.name} ({REFRESH}):\n" + "\n".join(missing)


# --------------------------------------------------------------------------------------------------
# English pages show no Chinese
# --------------------------------------------------------------------------------------------------

VISIBLE_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
TOKEN = re.compile(r"【[^】]*】[^\s<]*")


class VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes and labelling attributes, minus scripts and styles.

    Text inside an element that declares a language other than the page's (on an English page, the
    "简体中文" button has lang="zh-hans") is marked as such for screen readers, so it is left out.
    """

    VOID = {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from this check)
        self.page_lang = ""

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = (values.get("lang") or "").lower()
        if tag == "html":
            self.page_lang = lang
        foreign = bool(lang) and tag != "html" and lang != self.page_lang
        hidden = tag in ("script", "style", "template") or foreign
        if not (hidden or self._hidden()):
            self.parts.extend(values[a] or "" for a in VISIBLE_ATTRIBUTES if values.get(a))
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if not self._hidden():
            self.parts.extend(values[a] or "" for a in VISIBLE_ATTRIBUTES if values.get(a))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def fixture_names() -> list[str]:
    """Text that is data, not UI: people, places and units made by the test world, and what the audit
    log recorded about them (an audit event keeps the object's description as it was written)."""
    from shequ.accounts.models import HandlingUnit, User
    from shequ.core.models import AuditEvent
    from shequ.territory.models import Building, Estate, Grid, Region, VillagerGroup

    names: set[str] = set()
    names.update(AuditEvent.objects.values_list("object_repr", flat=True))
    names.update(AuditEvent.objects.values_list("actor_name", flat=True))
    names.update(User.objects.exclude(full_name="").values_list("full_name", flat=True))
    for model in (Region, Grid, HandlingUnit, Estate, VillagerGroup):
        names.update(model.objects.values_list("name", flat=True))
    names.update(Building.objects.values_list("number", flat=True))
    return sorted((n for n in names if n), key=len, reverse=True)


def chinese_left(html: str, data_names: Sequence[str] = ()) -> list[str]:
    text = visible_text(html)
    for name in data_names:
        text = text.replace(name, " ")
    text = TOKEN.sub(" ", text)
    return sorted(set(CJK.findall(text)))


def assert_english(response, what: str, data_names: Sequence[str] = ()) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 404), (what, response.status_code)
    html = response.content.decode()
    assert '<html lang="en"' in html, f"{what} is not served in English"
    left = chinese_left(html, data_names)
    assert not left, f"{what}: Chinese text left on the English page: {left}"


def entered_names(entered: dict[Any, Sequence[str]]) -> list[str]:
    """``fixture_names()`` plus every resident's name (whole and masked, as others' names are shown)
    and the text people typed into ``entered`` (model → fields): data, shown as entered in either
    language."""
    from shequ.core.masking import mask_name
    from shequ.registry.models import Resident

    names = set(fixture_names())
    residents = list(Resident.objects.values_list("name", flat=True))
    names.update(residents)
    names.update(mask_name(name) for name in residents)
    for model, fields in entered.items():
        for name in fields:
            for value in model.objects.values_list(name, flat=True):
                values = value if isinstance(value, list) else [value]
                names.update(str(v) for v in values if v)
    return sorted((n for n in names if n), key=len, reverse=True)


def english_pages(client: Any, urls: Sequence[str], entered: dict[Any, Sequence[str]]) -> int:
    """Check every whole page among ``urls`` that answers 200 with HTML (htmx fragments are checked
    as part of their page); how many were checked."""
    names = entered_names(entered)
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if b"<html" not in response.content:
            continue
        assert_english(response, url, names)
        checked += 1
    return checked


def test_visible_text_skips_scripts_foreign_language_and_data() -> None:
    html = (
        '<html lang="en"><head><title>Title</title><style>p:after{content:"样式"}</style></head>'
        '<body><script>var s = "脚本";</script><button lang="zh-hans">简体中文</button>'
        '<input placeholder="提示"><img alt="图片"/><p aria-label="标签">文字 【320302】区域 ok</p>'
        "<p>王芳</p></body></html>"
    )
    assert chinese_left(html, ["王芳"]) == sorted(["图片", "提示", "标签", "文字"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        "/accounts/resident/login/",
        "/accounts/resident/code/",
        "/accounts/resident/register/",
    ],
)
def test_public_pages_in_english(client, url: str) -> None:  # type: ignore[no-untyped-def]
    client.cookies.load(EN)
    assert_english(client.get(url), url)


@pytest.mark.django_db
def test_staff_pages_in_english(client) -> None:  # type: ignore[no-untyped-def]
    from tests.world import HOME, build_world

    world = build_world()
    names = fixture_names()
    client.cookies.load(EN)
    client.force_login(world.users["township_staff"])
    for url in (
        "/",
        "/territory/",
        f"/territory/{HOME['township']}/",
        f"/territory/{HOME['community']}/",
        f"/territory/grids/{HOME['grid']}/",
        f"/territory/search/?q={HOME['community']}",
        "/territory/search/?q=nothing-matches",
        "/accounts/tokens/",
        "/accounts/password/",
        "/inbox/",
    ):
        assert_english(client.get(url), url, names)

    client.force_login(world.users["auditor"])
    assert_english(client.get("/audit/"), "/audit/", fixture_names())


@pytest.mark.django_db
def test_resident_pages_in_english(client) -> None:  # type: ignore[no-untyped-def]
    from tests.world import build_world

    world = build_world()
    client.cookies.load(EN)
    client.force_login(world.users["resident"])
    names = fixture_names()
    for url in ("/", "/inbox/", "/accounts/password/"):
        assert_english(client.get(url), url, names)


@pytest.mark.django_db
def test_not_found_in_english(client) -> None:  # type: ignore[no-untyped-def]
    client.cookies.load(EN)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_english(response, "404")
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_out_of_jurisdiction_is_english(client) -> None:  # type: ignore[no-untyped-def]
    from tests.world import build_world

    world = build_world()
    client.cookies.load(EN)
    client.force_login(world.users["grid_worker"])
    response = client.get("/territory/320303/")
    assert response.status_code in (403, 404)
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert not chinese_left(html, fixture_names()), chinese_left(html, fixture_names())


@pytest.mark.django_db
def test_chinese_is_the_default(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "社区服务平台" in visible_text(html)
    assert "居民登录" in visible_text(html)
    assert "Community Services Platform" not in html
