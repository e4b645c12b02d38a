"""When a DPIA is required: the AP's list of processing types that always need one, and the EDPB's nine
criteria of which two or more make one required (WP248 rev.01)."""

from django.utils.translation import gettext_lazy as _

AP_PROCESSING_TYPES = [
    ("covert_investigation", _("Covert investigation")),
    ("blacklists", _("Blacklists")),
    ("fraud_prevention", _("Fraud prevention")),
    ("credit_scores", _("Credit scores")),
    ("financial_situation", _("Financial situation")),
    ("genetic_data", _("Genetic data")),
    ("health_data", _("Health data")),
    ("partnerships", _("Partnerships sharing special or sensitive data")),
    ("camera_surveillance", _("Camera surveillance")),
    ("flexible_camera_surveillance", _("Flexible camera surveillance")),
    ("employee_monitoring", _("Monitoring of employees")),
    ("location_data", _("Location data")),
    ("communication_data", _("Communication data")),
    ("internet_of_things", _("Internet of things")),
    ("profiling", _("Profiling")),
    ("behaviour_observation", _("Observation and influencing of behaviour")),
    ("biometric_data", _("Biometric data")),
]

EDPB_CRITERIA = [
    ("evaluation_scoring", _("Evaluation or scoring, including profiling")),
    ("automated_decisions", _("Automated decisions with legal or similarly significant effect")),
    ("systematic_monitoring", _("Systematic monitoring")),
    ("sensitive_data", _("Sensitive or highly personal data")),
    ("large_scale", _("Processing on a large scale")),
    ("matching_datasets", _("Matching or combining data sets")),
    ("vulnerable_subjects", _("Data of vulnerable persons")),
    ("innovative_technology", _("Innovative use of technology")),
    ("blocks_rights", _("Prevents persons from exercising a right or using a service")),
]


def dpia_required(ap_types: list[str], edpb_criteria: list[str]) -> bool:
    """One type from the AP's list, or two of the EDPB's criteria, make a DPIA required."""
    return bool(ap_types) or len(set(edpb_criteria)) >= 2
