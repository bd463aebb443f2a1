"""Bytes as BIP-39 English words, for people to compare over a phone or a radio.

The BIP-39 list has 2048 words (11 bits each), chosen so that the first four letters tell
every word apart, which forgives a misheard ending.
"""

from __future__ import annotations

from functools import lru_cache

BITS_PER_WORD = 11


@lru_cache(maxsize=1)
def wordlist() -> tuple[str, ...]:
    # Imported here: reading the list costs a few milliseconds and most runs never need it.
    from mnemonic import Mnemonic

    words_ = tuple(Mnemonic("english").wordlist)
    if len(words_) != 1 << BITS_PER_WORD:
        raise RuntimeError(f"the BIP-39 English list has {len(words_)} words, not 2048")
    return words_


def words(data: bytes, count: int = 6) -> str:
    """The first 11×`count` bits of `data` (most significant first) as space-separated words."""
    bits = BITS_PER_WORD * count
    if count < 1 or len(data) * 8 < bits:
        raise ValueError(f"{count} words need {bits} bits; got {len(data) * 8}")
    value = int.from_bytes(data, "big") >> (len(data) * 8 - bits)
    table = wordlist()
    mask = (1 << BITS_PER_WORD) - 1
    return " ".join(table[(value >> (BITS_PER_WORD * (count - 1 - i))) & mask]
                    for i in range(count))
