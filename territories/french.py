"""French wording helpers: "de" before a name, elided before a vowel or a mute h."""

import unicodedata

VOWELS = set("aeiou")


def _base_letters(text: str) -> str:
    """The lower-case letters of `text` without their accents (É -> e)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def elides(word: str) -> bool:
    """Whether "de" becomes "d'" before `word`: a vowel, a mute h (Hélène, Hugo: names
    almost always take it) or a y before a consonant (Yves, but not Yasmine)."""
    letters = _base_letters(word.strip())
    if not letters:
        return False
    first, second = letters[0], letters[1:2]
    if first in VOWELS:
        return True
    if first == "h":
        return second in VOWELS or second == "y"
    if first == "y":
        return second != "" and second not in VOWELS and second.isalpha()
    return False


def de(name) -> str:
    """ "de Bob", "d'Élodie", "d'Amina" (the name as given, str() of an object)."""
    text = str(name)
    return f"d'{text}" if elides(text) else f"de {text}"
