"""Form conventions: Bootstrap classes and accessible error wiring, applied once for every form; and the
forms every spreadsheet import page shares."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from shequ.core import spreadsheets


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap classes and point to their help and error text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if field.help_text:
                # The bound field's own id (prefix and auto_id included), as the templates use it.
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_helptext"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"
                described = widget.attrs.get("aria-describedby", "")
                widget.attrs["aria-describedby"] = f"{described} {self[name].auto_id}_error".strip()


def apply_action_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show an action's ``ValidationError`` on the form that fed it: under the field it names, when the
    form has that field, otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


class SpreadsheetUploadForm(StyledForm):
    """The upload of a spreadsheet import: where the rows go and the file. Each app declares the
    ``region`` field in its own words and picks its initial choice; ``regions`` are the places the user
    may import into."""

    file = forms.FileField(
        label=gettext_lazy("表格文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV 文件，请使用导入模板。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )
    field_order = ("region", "file")

    def __init__(self, *args: Any, regions: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        # The upload handler stopped reading a file over the limit: say so, not "required".
        self.too_large = too_large
        if too_large:
            self.fields["file"].required = False

    def clean_file(self) -> Any:
        if self.too_large:
            raise forms.ValidationError(
                spreadsheets.too_large_message(None, spreadsheets.max_bytes())
            )
        return self.cleaned_data["file"]

    def add_action_errors(self, exc: ValidationError) -> None:
        """The import's refusal of the upload, under the field it names (``apply_action_errors``)."""
        apply_action_errors(self, exc)


class CodeChoiceField(forms.ModelChoiceField):
    """An object chosen by its ``code`` (the form posts codes, not ids) and shown by its name: places,
    mostly. The form or view sets ``queryset`` to what the user may pick."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", None)
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("empty_label", gettext_lazy("请选择"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RevealReasonForm(StyledForm):
    """Why someone asks to see a masked value in full (kept in the audit trail with the reveal)."""

    reason = forms.CharField(
        label=gettext_lazy("查看事由"),
        max_length=200,
        help_text=gettext_lazy("至少4个字，例如办理的事项。查看会被记录。"),
    )
