"""A marker for messages that are translated where they are shown, not where they are made.

The content package has no Flask and no translations: it marks each message template with `N_`
so that `pybabel extract -k N_` finds it, keeps the values apart from the template, and the web
pages translate the template before filling the values in."""


def N_(message: str) -> str:
    """The message itself: marks it for extraction."""
    return message
