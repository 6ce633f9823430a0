"""Public certificate codes: random, easy to read aloud and type, nothing to guess or enumerate."""
import secrets

#: Digits and capitals without the look-alikes 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS, GROUP_SIZE = 4, 5  # 20 characters of 31 symbols: about 99 random bits


def new_code() -> str:
    """A fresh code such as 'K7QMR-X2PHD-9TWZC-4NB8E'."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(raw[i:i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code (any case, spaces or dashes), or None if it cannot be one."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(raw) != GROUPS * GROUP_SIZE or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i:i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))
