from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .intake import MAX_UPLOAD_BYTES, IntakeUpload, upload_content_type
from .models import RequestUpload, SubjectRequest

FILE_HELP = _("PDF, JPEG or PNG, at most 5 MB.")


class UploadField(forms.FileField):
    """A PDF, JPEG or PNG of at most 5 MiB, recognised by its content, not by its name."""

    default_error_messages = {
        "too_large": _("The file is larger than 5 MB. Send a smaller scan or photo."),
        "wrong_type": _("Only a PDF, JPEG or PNG file can be sent."),
    }

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        content = upload.read()
        content_type = upload_content_type(content[:16])
        if content_type is None:
            raise ValidationError(self.error_messages["wrong_type"], code="wrong_type")
        return content, content_type


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to do?"), choices=SubjectRequest.Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send a link to this address to confirm it is yours."),
    )
    message = forms.CharField(
        label=_("Your request"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        required=False,
        help_text=_("Describe what you would like; for rectification, what is wrong and what it should be."),
    )
    on_behalf = forms.ChoiceField(
        label=_("For whom"),
        choices=SubjectRequest.OnBehalf.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=SubjectRequest.OnBehalf.SELF,
    )
    on_behalf_of = forms.CharField(label=_("Name of the person you represent"), max_length=200, required=False)
    proof = UploadField(
        label=_("Proof that you may act for this person"),
        required=False,
        help_text=_("For example a birth certificate extract or a signed authorisation. ") + FILE_HELP,
    )
    id_copy = UploadField(
        label=_("Copy of your identity document"),
        required=False,
        help_text=_(
            "Black out your photo, the machine-readable zone (the lines of characters at the bottom), the "
            "document number and your citizen service number (BSN) before you send it. "
        )
        + FILE_HELP,
    )

    def __init__(self, *args, asks_id_copy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["invalid"] = _("Enter a valid e-mail address, such as naam@voorbeeld.nl.")
        if asks_id_copy:
            self.fields["id_copy"].required = True
        else:
            del self.fields["id_copy"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("on_behalf"):
            if not cleaned.get("on_behalf_of"):
                self.add_error("on_behalf_of", _("Enter the name of the person you represent."))
            if not cleaned.get("proof") and "proof" not in self.errors:
                self.add_error("proof", _("Add proof that you may act for this person."))
        return cleaned

    def uploads(self) -> list[IntakeUpload]:
        files = [(RequestUpload.Purpose.PROOF, self.cleaned_data.get("proof"))]
        files.append((RequestUpload.Purpose.ID_COPY, self.cleaned_data.get("id_copy")))
        return [IntakeUpload(purpose, *file) for purpose, file in files if file]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
