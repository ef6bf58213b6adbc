"""The Celery app's configuration, derived from settings."""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
from pydantic import ValidationError

from worker._run import TaskOptions, progress_worth_showing, retry_countdown_s
from worker.celery_app import celery_config, create_app
from worker.schedule import NightlySchedule
from worker.settings import Settings


def test_app_accepts_json_only() -> None:
    config = celery_config(Settings())

    assert config["accept_content"] == ["json"]
    assert config["result_accept_content"] == ["json"]
    assert config["task_serializer"] == config["result_serializer"] == "json"


def test_app_acknowledges_late_one_task_at_a_time() -> None:
    config = celery_config(Settings())

    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1


def test_a_worker_runs_one_run_at_a_time_however_it_is_started() -> None:
    app = create_app(Settings())

    assert app.conf.worker_concurrency == 1


def test_visibility_timeout_outlasts_the_hard_time_limit() -> None:
    settings = Settings(run_soft_time_limit_s=600, run_time_limit_s=900)

    config = celery_config(settings)

    visibility = config["broker_transport_options"]["visibility_timeout"]
    assert config["task_soft_time_limit"] == 600
    assert config["task_time_limit"] == 900
    assert visibility > 900


def test_visibility_timeout_not_above_the_hard_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="visibility_timeout_s"):
        Settings(
            run_soft_time_limit_s=60, run_time_limit_s=120, visibility_timeout_s=120
        )


def test_soft_limit_must_come_before_the_hard_limit() -> None:
    with pytest.raises(ValidationError, match="run_soft_time_limit_s"):
        Settings(run_soft_time_limit_s=120, run_time_limit_s=120)


def test_unknown_schedule_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="IANA"):
        Settings(schedule_timezone="Mars/Olympus_Mons")


def test_an_unknown_log_level_is_refused_naming_the_levels() -> None:
    with pytest.raises(ValidationError, match="unknown log level: use one of DEBUG"):
        Settings(log_level="LOUD")


def test_a_log_level_in_lower_case_is_accepted() -> None:
    assert Settings(log_level="warning").log_level == "WARNING"


def test_app_runs_in_utc_with_the_nightly_schedule_in_the_configured_zone() -> None:
    settings = Settings(
        schedule_time=dt.time(2, 30), schedule_timezone="Europe/Berlin", org="acme"
    )

    config = celery_config(settings)

    entry = config["beat_schedule"]["nightly-resegment"]
    assert config["timezone"] == "UTC"
    assert config["enable_utc"] is True
    assert entry["task"] == "mkp.resegment"
    assert entry["schedule"] == NightlySchedule(dt.time(2, 30), "Europe/Berlin")
    assert entry["kwargs"] == {"org": "acme", "triggered_by": "schedule"}


def test_rediss_urls_get_tls_options_with_verification() -> None:
    settings = Settings(
        broker_url="rediss://:pw@redis.example:6380/0",
        result_backend="rediss://:pw@redis.example:6380/1",
    )

    config = celery_config(settings)

    assert config["broker_use_ssl"]["ssl_cert_reqs"] == ssl.CERT_REQUIRED
    assert config["redis_backend_use_ssl"]["ssl_cert_reqs"] == ssl.CERT_REQUIRED


def test_plain_redis_urls_get_no_tls_options() -> None:
    config = celery_config(Settings())

    assert "broker_use_ssl" not in config
    assert "redis_backend_use_ssl" not in config


def test_app_with_a_password_in_the_url_does_not_show_it_in_its_repr() -> None:
    app = create_app(Settings(broker_url="redis://:hunter2-sentinel@127.0.0.1:6379/15"))

    assert "hunter2-sentinel" not in repr(app.conf.humanize())
    assert "hunter2-sentinel" not in repr(
        Settings(broker_url="redis://:hunter2-sentinel@h/0")
    )


def test_retry_countdowns_grow_and_stay_below_the_visibility_timeout() -> None:
    settings = Settings(
        retry_backoff_s=60,
        run_soft_time_limit_s=60,
        run_time_limit_s=120,
        visibility_timeout_s=600,
    )

    countdowns = [retry_countdown_s(settings, n) for n in range(6)]

    assert countdowns == sorted(countdowns)
    assert countdowns[0] == 60
    assert max(countdowns) < 600


def test_task_options_refuse_unknown_keys() -> None:
    with pytest.raises(ValidationError, match="records"):
        TaskOptions.model_validate({"records": [1, 2, 3]})


def test_tasks_of_an_org_go_to_its_own_queue_unless_one_is_named() -> None:
    assert celery_config(Settings(org="acme"))["task_default_queue"] == "mkp.acme"
    named = Settings(org="acme", queue="crm-jobs")
    assert celery_config(named)["task_default_queue"] == "crm-jobs"


@pytest.mark.parametrize(
    ("phase", "done", "total", "since_last_s", "shown"),
    [
        ("write", 10, 100, 0.1, False),  # mid-phase, too soon after the last
        ("write", 10, 100, 0.6, True),  # mid-phase, half a second later
        ("write", 100, 100, 0.1, True),  # the phase's end is always shown
        ("score", 0, 1, 0.1, True),  # so is a new phase
        ("read opportunities", 50_000, 0, 0.1, False),  # unknown total, too soon
        ("read opportunities", 50_000, 0, 0.6, True),
    ],
)
def test_progress_goes_to_the_backend_at_most_twice_a_second_within_a_phase(
    phase: str, done: int, total: int, since_last_s: float, shown: bool
) -> None:
    last_phase = "read" if phase == "score" else phase

    assert progress_worth_showing(phase, done, total, last_phase, since_last_s) is shown
