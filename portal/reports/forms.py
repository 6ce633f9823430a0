"""The yearly report's choice of period and cohorts: a GET form, it changes nothing."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, SubmitField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import lazy_text as _l


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    #: The choices are the cohorts of the period, known once the dates are read; other ids are ignored.
    cohorts = SelectMultipleField(_l("Cohorts (none ticked: every cohort of the period)"), coerce=int,
                                  validators=[Optional()], validate_choice=False,
                                  widget=ListWidget(prefix_label=False),
                                  option_widget=CheckboxInput())
    submit = SubmitField(_l("Show the report"))

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end of the period comes before its start."))
