"""Events of a cohort's page that later packages react to."""
from blinker import Namespace

_signals = Namespace()

#: Sent with the user and the cohort when the cohort's page (its announcements) is built; each receiver may
#: return a Markup panel shown on it (the live sessions show the coming programme), so later packages add to
#: the page without announcements importing them.
cohort_page_viewed = _signals.signal("cohort-page-viewed")
