"""One pulse answer per member per month, even when twenty arrive at once (PostgreSQL)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from summaries import services
from summaries.models import PulseAnswer, PulseReceipt
from summaries.services import PulseData

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

ATTEMPTS = 20


def test_twenty_simultaneous_answers_from_one_member_store_one(postgres, forum, member):
    start = threading.Barrier(ATTEMPTS)
    stored, refused, unexpected = [], [], []
    lock = threading.Lock()
    data = PulseData(caseload=28, extra_hours=9, admin_percent=70, wellbeing=2)

    def attempt() -> None:
        try:
            start.wait(timeout=30)
            services.pulse_answer(forum=forum, actor=member, data=data)
            outcome = stored
        except ValidationError as error:
            outcome = refused if "already answered" in " ".join(error.messages) else unexpected
        except BaseException as error:  # noqa: BLE001 — reported below
            with lock:
                unexpected.append(error)
            return
        finally:
            connections.close_all()
        with lock:
            outcome.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert unexpected == []
    assert (len(stored), len(refused)) == (1, ATTEMPTS - 1)
    assert PulseReceipt.objects.filter(user=member).count() == 1
    assert services.pulse_waiting(forum, services.pulse_month(forum)) == 1
    next_month = services.pulse_month(forum) + datetime.timedelta(days=31)
    assert services.pulse_count_past_months(today=next_month) == 1
    assert PulseAnswer.objects.count() == 1
