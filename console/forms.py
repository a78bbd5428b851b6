from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from console.models import AuditEvent


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "who"})
    )
    action = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "action"})
    )
    target = forms.CharField(
        required=False,
        help_text="name or id",
        widget=forms.TextInput(attrs={"placeholder": "target name or id"}),
    )
    team = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "team"})
    )
    outcome = forms.ChoiceField(
        required=False, choices=[("", "any outcome"), *AuditEvent.Outcome.choices]
    )
    source = forms.ChoiceField(
        required=False, choices=[("", "any source"), *AuditEvent.Source.choices]
    )
    since = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_bound or not self.is_valid():
            return events
        data = self.cleaned_data
        if data["actor"]:
            events = events.filter(actor_name__icontains=data["actor"])
        if data["action"]:
            events = events.filter(action__icontains=data["action"])
        if data["target"]:
            events = events.filter(
                Q(target_name__icontains=data["target"])
                | Q(target_id__startswith=data["target"])
            )
        if data["team"]:
            events = events.filter(team=data["team"])
        if data["outcome"]:
            events = events.filter(outcome=data["outcome"])
        if data["source"]:
            events = events.filter(source=data["source"])
        if data["since"]:
            events = events.filter(created__gte=data["since"])
        if data["until"]:
            events = events.filter(created__lte=data["until"])
        return events
