from django import template

from shequ.registry.statistics import suppress

register = template.Library()


@register.filter
def suppressed(count: int) -> str:
    """A count with small cells hidden: ``{{ n|suppressed }}``."""
    return suppress(int(count or 0))


@register.filter
def tally_get(counter: object, key: str) -> int:
    return int(getattr(counter, "get", lambda k, d=0: d)(key, 0))
