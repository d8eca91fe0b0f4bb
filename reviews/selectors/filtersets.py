"""The base of the selectors' FilterSets: django-filter's, with the per-process work done once per process.

django-filter rebuilds on every instance what depends only on the class: it deep-copies every filter (20 for the
review queue) and then builds a new form class, constructing each filter's form field and label again. That was
~1.5 ms a request for the review queue, more than its database query. Here each instance takes shallow copies of
the filters (each still gets its own `parent`, so `method=` filters call this instance) and the form class is
built once per FilterSet class; the form itself is still instantiated (and its fields copied by Django) per
request, so bound data and errors never leak between requests.

A subclass that changes its filters per instance must override `get_form_class` again.
"""

from __future__ import annotations

import copy
import threading

import django_filters
from django.http import QueryDict

_lock = threading.Lock()


class FilterSet(django_filters.FilterSet):
    _form_classes: dict[type, type] = {}

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        model = queryset.model
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            filter_.model, filter_.parent = model, self
            if filter_.method is not None:
                filter_.method = filter_.method  # rebinds `filter` to this copy (it was the base filter's)
            self.filters[name] = filter_

    def get_form_class(self):
        cls = type(self)
        form_class = FilterSet._form_classes.get(cls)
        if form_class is None:
            with _lock:
                form_class = FilterSet._form_classes.get(cls)
                if form_class is None:
                    # From this instance's filters: they know the model, which the labels are read from.
                    fields = {name: f.field for name, f in self.filters.items()}
                    form_class = type(f"{cls.__name__}Form", (self._meta.form,), fields)
                    FilterSet._form_classes[cls] = form_class
        return form_class
