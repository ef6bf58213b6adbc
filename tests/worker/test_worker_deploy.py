"""Deployment files, checked by parsing: Docker cannot run on the build host."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from mkp_core import Policy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY", re.IGNORECASE)


def _stages(dockerfile: str) -> list[list[str]]:
    stages: list[list[str]] = []
    for line in dockerfile.splitlines():
        line = line.strip()
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages and line and not line.startswith("#"):
            stages[-1].append(line)
    return stages


def _manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return docs


def _named(kind: str, name: str) -> dict[str, Any]:
    matches = [
        doc
        for doc in _manifests()
        if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    assert len(matches) == 1, f"expected one {kind} {name}"
    return matches[0]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_dockerfile_is_multi_stage_on_slim_python_311() -> None:
    stages = _stages((DEPLOY / "Dockerfile").read_text())

    assert len(stages) >= 2
    assert all(stage[0].split()[1] == "python:3.11-slim" for stage in stages)


def test_final_image_runs_as_a_non_root_user() -> None:
    final = _stages((DEPLOY / "Dockerfile").read_text())[-1]

    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in ("0", "root")


def test_final_image_installs_no_build_tools_and_copies_the_built_env() -> None:
    final = "\n".join(_stages((DEPLOY / "Dockerfile").read_text())[-1])

    assert not re.search(r"build-essential|gcc|apt-get install", final)
    assert "COPY --from=build /opt/mkp /opt/mkp" in final


def test_build_context_sends_only_the_packages_and_metadata() -> None:
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    ignore = [line for line in lines if line and not line.startswith("#")]

    assert ignore[0] == "*"
    assert {"!mkp_core/", "!connectors/", "!worker/", "!pyproject.toml"} <= set(ignore)
    assert "!deploy/salesforce/" in ignore


def _copied_into_final_image(source: str) -> str:
    final = _stages((DEPLOY / "Dockerfile").read_text())[-1]
    copies = [line.split() for line in final if line.startswith("COPY ")]
    targets = [words[-1] for words in copies if words[1:-1] == [source]]
    assert len(targets) == 1, f"{source} is not copied into the image once"
    return targets[0]


def test_compose_emulator_reads_the_metadata_the_image_carries() -> None:
    image_folder = _copied_into_final_image("deploy/salesforce")
    command = _compose()["services"]["emulator"]["command"]

    metadata = Path(command[command.index("--metadata") + 1])

    assert metadata.is_relative_to(image_folder)
    in_source = DEPLOY / "salesforce" / metadata.relative_to(image_folder)
    assert sorted(p.name for p in in_source.iterdir()) == ["objects", "permissionsets"]


def test_compose_runs_redis_worker_beat_and_flower_with_an_optional_emulator() -> None:
    services = _compose()["services"]

    assert {"redis", "worker", "beat", "flower", "emulator"} <= set(services)
    assert services["emulator"]["profiles"] == ["emulator"]
    always_on = [name for name, svc in services.items() if "profiles" not in svc]
    assert set(always_on) == {"redis", "worker", "beat", "flower"}


def test_compose_worker_and_beat_run_the_mkp_commands() -> None:
    services = _compose()["services"]

    assert services["worker"]["command"][0] == "worker"
    assert services["beat"]["command"][0] == "beat"


def test_compose_carries_no_secret_values_inline() -> None:
    for name, service in _compose()["services"].items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            assert not _SECRET_NAME.search(key), f"{name}: {key} set inline"
            if isinstance(value, str) and "://" in value:
                assert urlsplit(value).password is None, f"{name}: {key}"


def test_compose_exposes_flower_on_loopback_only() -> None:
    ports = _compose()["services"]["flower"]["ports"]

    assert all(port.startswith("127.0.0.1:") for port in ports)


def test_beat_deployment_has_exactly_one_replica_replaced_with_recreate() -> None:
    beat = _named("Deployment", "mkp-beat")

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_worker_deployment_runs_the_worker_command() -> None:
    worker = _named("Deployment", "mkp-worker")

    containers = worker["spec"]["template"]["spec"]["containers"]
    assert [c["args"][0] for c in containers] == ["worker"]


@pytest.mark.parametrize("name", ["mkp-worker", "mkp-beat"])
def test_deployment_runs_unprivileged_with_a_read_only_root(name: str) -> None:
    pod = _named("Deployment", name)["spec"]["template"]["spec"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    for container in pod["containers"]:
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_salesforce_credentials_live_in_a_secret_without_inline_values() -> None:
    secret = _named("Secret", "mkp-salesforce")

    assert "MKP_SALESFORCE__CLIENT_SECRET" in secret["stringData"]
    assert all(value == "" for value in secret["stringData"].values())
    assert "data" not in secret


@pytest.mark.parametrize("name", ["mkp-worker", "mkp-beat"])
def test_deployment_takes_no_secret_from_a_literal_env_value(name: str) -> None:
    pod = _named("Deployment", name)["spec"]["template"]["spec"]

    for container in pod["containers"]:
        for variable in container.get("env", []):
            if _SECRET_NAME.search(variable["name"]):
                assert "secretKeyRef" in variable.get("valueFrom", {})


def test_every_config_map_and_secret_a_deployment_uses_is_defined() -> None:
    defined = {(d["kind"], d["metadata"]["name"]) for d in _manifests()}
    for deployment in (d for d in _manifests() if d["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert ("ConfigMap", source["configMapRef"]["name"]) in defined
                if "secretRef" in source:
                    assert ("Secret", source["secretRef"]["name"]) in defined
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in defined
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert ("PersistentVolumeClaim", claim) in defined


def test_worker_pods_keep_snapshots_on_a_shared_writable_claim() -> None:
    folder = _named("ConfigMap", "mkp-settings")["data"]["MKP_SNAPSHOT_DIR"]
    pod = _named("Deployment", "mkp-worker")["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}

    (mount,) = [
        mount
        for mount in pod["containers"][0]["volumeMounts"]
        if mount["mountPath"] == folder
    ]
    claim = volumes[mount["name"]]["persistentVolumeClaim"]["claimName"]
    assert not mount.get("readOnly", False)
    assert _named("PersistentVolumeClaim", claim)["spec"]["accessModes"] == [
        "ReadWriteMany"
    ]


def test_compose_worker_keeps_snapshots_on_a_named_volume() -> None:
    compose = _compose()
    worker = compose["services"]["worker"]

    folder = worker["environment"]["MKP_SNAPSHOT_DIR"]
    (volume,) = [v for v in worker["volumes"] if v.split(":")[1] == folder]
    assert volume.split(":")[0] in compose["volumes"]
    assert not volume.endswith(":ro")


def test_policy_config_map_is_a_valid_policy_equal_to_the_compose_one() -> None:
    text = _named("ConfigMap", "mkp-policy")["data"]["policy.toml"]

    policy = Policy.from_mapping(tomllib.loads(text)["policy"])

    assert policy == Policy.from_toml(DEPLOY / "policy.toml")


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}

    assert set(kustomization["resources"]) == manifests
