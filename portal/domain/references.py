import secrets

# Crockford-style: no I, L, O or U, so a reference read over the phone is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(prefix: str = "DR") -> str:
    """A short, readable, unguessable reference like DR-7K3M-Q9RT (40 bits of randomness); a
    complaint's starts CP-."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"
