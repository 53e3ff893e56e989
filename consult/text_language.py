"""Which language a comment is written in: its code checked, its name, and a guess from its words.

Pure functions, no Flask and no database: the comment service, the theme suggestions and the
tests call them alike.

`detect_language` tells Welsh from English by the share of each language's commonest function
words ("y", "yn", "mae", "gyda" against "the", "is", "and", "with"): a few hundred bytes of
word lists rather than a statistical model, and right for the one choice the site offers. A text
too short, or with too few of either language's words to be sure, is None: the caller then
stores the language the form was read in.
"""
from __future__ import annotations

import re

# A BCP 47 language tag as stored (comments.language is String(8)): a two- or three-letter
# language, optionally a region or script ("en", "cy", "pt-br").
_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,4})?")
MAX_CODE = 8

# Each language's own name, as its speakers write it (as consult.i18n.LANGUAGES does for the
# site's languages): shown untranslated beside a comment, with lang= on the name itself.
NAMES = {
    "en": "English", "cy": "Cymraeg", "ga": "Gaeilge", "gd": "Gàidhlig", "kw": "Kernewek",
    "fr": "Français", "de": "Deutsch", "es": "Español", "ca": "Català", "eu": "Euskara",
    "gl": "Galego", "it": "Italiano", "pt": "Português", "nl": "Nederlands", "pl": "Polski",
    "ro": "Română", "ar": "العربية", "ur": "اردو", "pa": "ਪੰਜਾਬੀ", "bn": "বাংলা", "zh": "中文",
}

# Function words of each language found in the other's texts rarely or never ("a" and "i" are
# words in both and count for neither).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WELSH = _words("""
y yr ac yn ym yng mae maen roedd oedd oedden bod fod fydd bydd byddai byddwn dylai ddylai dylid
gall gallai gallu ydy ydw ydyn yw oes nid nad ddim dim na neu ond hefyd gyda efo gan heb wrth
dros drwy trwy rhwng ar am at tuag mewn yma yno hyn hynny hwn hon hwnnw honno sydd sy pan os
ei eu ein eich fy dy ni chi nhw hi fe fo ef iddo iddi iddyn iddynt ohono arno arni amdano
fel felly achos oherwydd hwy rhaid angen iawn llawer mwy mwyaf pob pawb cael wedi r n
""")
_ENGLISH = _words("""
the and of to is are was were be been being that this these those it its for with as on by
from have has had not but or which would should could will shall can there their they them we
our you your he she his her about more most than then so if because very also all any some
what when where who how into only other such do does did no nor my me us an s t re ve ll d m
""")
# Words, with elisions apart: "mae'r" is "mae" and the article "r", "don't" is "don" and "t".
_WORD = re.compile(r"[^\W\d_]+")
MIN_WORDS = 5  # fewer words than this: too short to tell
MIN_MARKERS = 3  # function words of one language needed at least
MIN_SHARE = 0.12  # ... making at least this share of the text's words
DOMINANCE = 3  # ... and this many times as many as the other language's


def clean_code(code: str | None) -> str | None:
    """A language tag lowercased ("pt_BR" -> "pt-br"), None for none; ValueError if malformed."""
    text = (code or "").strip().lower().replace("_", "-")
    if not text:
        return None
    if len(text) > MAX_CODE or not _CODE.fullmatch(text):
        raise ValueError(code)
    return text


def language_name(code: str | None) -> str:
    """A language's own name ("Cymraeg"), its tag for one we have no name for, "" for none."""
    if not code:
        return ""
    return NAMES.get(code) or NAMES.get(code.split("-")[0]) or code


def detect_language(text: str) -> str | None:
    """"cy" or "en" when the text's function words clearly say which, else None."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    if len(words) < MIN_WORDS:
        return None
    welsh = sum(1 for w in words if w in _WELSH)
    english = sum(1 for w in words if w in _ENGLISH)
    for code, ours, theirs in (("cy", welsh, english), ("en", english, welsh)):
        if ours >= MIN_MARKERS and ours >= MIN_SHARE * len(words) and ours >= DOMINANCE * theirs:
            return code
    return None
