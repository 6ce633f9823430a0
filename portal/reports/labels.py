"""Names of the report's tables and groups in the reader's language, shared by the page and the exports."""
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.accounts.countries import country_name
from portal.accounts.forms import GENDER_LABELS, ORGANISATION_TYPE_LABELS
from portal.reports.countries import dataset
from portal.reports.yearly import NONE_OF_THE_GROUPS, NOT_STATED
from portal.surveys.exports import kind_names


def dimension_titles() -> dict[str, str]:
    return {
        "region": _("By world region (UN M49)"),
        "subregion": _("By sub-region (UN M49)"),
        "group": _("By country group (UN lists)"),
        "country": _("By country"),
        "gender": _("By gender"),
        "organisation_type": _("By type of organisation"),
        "age_band": _("By age band"),
    }


def stage_names() -> dict[str, str]:
    return {"enrolled": _("Enrolled"), "started": _("Started"), "completed": _("Completed"),
            "certified": _("Certified")}


def group_name(dimension: str, key: str) -> str:
    """The name of one group of a table: a country, a region, a gender..."""
    locale = str(get_locale() or "en")
    if key == NOT_STATED:
        return _("Not stated")
    if dimension == "country":
        return country_name(key, locale)
    if dimension in ("region", "subregion"):
        return dataset().name(key, locale)
    if dimension == "group":
        return {"LDC": _("Least developed countries (LDC)"),
                "LLDC": _("Landlocked developing countries (LLDC)"),
                "SIDS": _("Small island developing States (SIDS)"),
                NONE_OF_THE_GROUPS: _("In none of these lists")}[key]
    if dimension == "gender":
        return str({g.value: label for g, label in GENDER_LABELS.items()}.get(key, key))
    if dimension == "organisation_type":
        return str({t.value: label for t, label in ORGANISATION_TYPE_LABELS.items()}.get(key, key))
    if dimension == "age_band":
        return {"under-25": _("Under 25"), "65+": _("65 and over")}.get(key, key.replace("-", "–"))
    return key


def definitions() -> list[tuple[str, str]]:
    """What each figure means, for the page's notes and the exports' definitions sheet."""
    data = dataset()
    return [
        (_("Cohorts"), _("The cohorts whose dates (from their start to their end) meet the period, or those chosen.")),
        (_("Enrolled"), _("A place: one trainee on one published course of one cohort, counted as the cohort's page counts it. A trainee on two courses holds two places.")),
        (_("Trainees"), _("The people holding at least one place, each counted once.")),
        (_("Started"), _("Places where the trainee completed a lesson or submitted a quiz.")),
        (_("Completed"), _("Places where the trainee met the course's completion rule and, where the cohort has one, its attendance rule.")),
        (_("Certified"), _("Places with a certificate that has not been revoked.")),
        (_("Hours of learning delivered"), _("The hours the course declares, times the completed places.")),
        (_("Hours in lessons completed"), _("The minutes each lesson declares, added up over every lesson trainees completed, whether or not they completed the course; in hours.")),
        (_("Assignments set"), _("For each place, the assignments of the course's published revision: the work expected.")),
        (_("Assignments handed in"), _("Of the work expected, what the trainee handed in at least once, as the cohort's page shows it.")),
        (_("Assignments passed"), _("Of the work handed in, what a reviewer returned as passed.")),
        (_("Assignments handed in late"), _("Of the work handed in, what was handed in after its due date (the latest version, or the one that passed).")),
        (_("Sessions held"), _("The cohorts' live sessions that have ended.")),
        (_("Attendance"), _("Of the seats at ended sessions (each session times the cohort's trainees), the share attended.")),
        (_("Countries reached"), _("The countries of the trainees holding places, where they gave one.")),
        (_("Age band"), _("The age reached in the last year of the period, from the year of birth the trainee gave.")),
        (_("Regions and country groups"), _("UN M49 regions and sub-regions, and the UN lists of least developed countries, landlocked developing countries and small island developing States, as of %(date)s. Sources: %(sources)s.",
                                            date=data.as_of.isoformat(), sources="; ".join(data.sources.values()))),
        (_("Survey respondents"), _("Answers to the portal's surveys (end-of-course, end-of-edition and follow-up) from the cohorts' trainees, in the months of the period. Figures are given for groups of at least 5 respondents only.")),
        (_("Satisfaction"), _("Of the answers to the surveys' five-point questions, the share that agree or strongly agree.")),
        (_("Net promoter score"), _("From each response's 0 to 10 recommendation: the share of 9 and 10 less the share of 0 to 6, from -100 to 100.")),
        (_("Privacy"), _("Only totals: no name, address or single person's record is in this report.")),
    ]


def survey_kinds() -> dict[str, str]:
    """The rows of the report's surveys table: every survey together, then each kind."""
    return {"all": _("All surveys"), **kind_names()}
