"""The quick select writes the same markup as Django's own select, escaping included."""

from django import forms

from forum_app.widgets import QuickSelect

CHOICES = [
    ("", "Any <status>"),
    ("open", "Open & waiting"),
    ("Grouped", [("themed", "In a theme"), ("escalated", 'Sent "up"')]),
]


class Both(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    quick = forms.ChoiceField(choices=CHOICES, required=False, widget=QuickSelect)
    plain_required = forms.ChoiceField(choices=CHOICES, widget=forms.Select(attrs={"x": "a<b"}))
    quick_required = forms.ChoiceField(choices=CHOICES, widget=QuickSelect(attrs={"x": "a<b"}))


def markup(form: forms.Form, name: str) -> str:
    html = str(form[name])
    return " ".join(html.replace(f'"{name}"', '"F"').replace(f"id_{name}", "id_F").split())


def test_a_quick_select_writes_what_djangos_select_writes():
    for data in ({}, {"plain": "themed", "quick": "themed"}, {"plain": "x", "quick": "x"}):
        form = Both(data or None)
        if data:
            form.is_valid()
        assert markup(form, "quick") == markup(form, "plain")
        assert markup(form, "quick_required") == markup(form, "plain_required")
    assert "&lt;status&gt;" in str(Both()["quick"])
    assert 'x="a&lt;b"' in str(Both()["quick_required"])
