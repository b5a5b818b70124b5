"""The Celery application; tasks live in each app's tasks.py, configuration in CELERY_* settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kibernadzor.settings")

app = Celery("kibernadzor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
