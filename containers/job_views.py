"""Pages that start and follow jobs: launch, pull, build, push, prune, jobs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console import dockerapi, permissions
from console.audit import Actor, record
from console.crypto import seal
from console.paging import paginate, query_without_page
from console.permissions import access_for
from containers import allocation, launch, policy
from containers.job_forms import BuildForm, LaunchForm, PruneForm, PullForm, PushForm
from containers.jobs import job_cancel, job_start
from containers.models import Job
from containers.quotas import quota_violations
from registry_browser.services import push_params, registry_credentials


def _require_launcher(request: HttpRequest) -> None:
    if not permissions.can_launch(request.user):
        raise PermissionDenied("Viewers cannot start jobs; ask an operator or admin.")


def visible_jobs(user: Any) -> Any:
    access = access_for(user)
    jobs = Job.objects.select_related("started_by")
    if access.is_admin:
        return jobs
    from django.db.models import Q

    return jobs.filter(Q(started_by=user) | Q(team__in=access.teams, team__gt=""))


@require_http_methods(["GET", "POST"])
def launch_view(request: HttpRequest) -> HttpResponse:
    _require_launcher(request)
    access = access_for(request.user)
    if request.method == "GET":
        form = LaunchForm(initial=_prefill(request), access=access)
        return _launch_page(request, form)
    form = LaunchForm(request.POST, access=access)
    try:
        checked = _engine_agrees(request, form, access) if form.is_valid() else None
    except dockerapi.EngineUnavailable as error:
        # Keep what was typed: the form comes back with the reason on top.
        form.add_error(
            None, f"{error.message}; nothing was launched. Try again when it is back."
        )
        return _launch_page(request, form, status=503)
    if checked is not None:
        spec, reservations = checked
        job = job_start(
            actor=Actor.from_request(request),
            kind=Job.Kind.LAUNCH,
            target=spec.name or spec.image,
            team=spec.labels.get("berth.team", ""),
            params={
                "spec": launch.spec_to_params(spec),
                "options": form.options(),
                **registry_credentials(spec.image),
            },
        )
        allocation.attach(reservations, job=job)
        if job.status != Job.Status.FAILED:
            return redirect(job)
        allocation.release(reservations)
        form.add_error(None, job.error)
    return _launch_page(request, form, status=400)


def _launch_page(request: HttpRequest, form: LaunchForm, status: int = 200) -> Any:
    low, high = settings.BERTH_PORT_RANGE
    context = {
        "form": form,
        "publish_ip": settings.BERTH_PUBLISH_IP,
        "port_range": f"{low}-{high}",
    }
    return render(request, "containers/launch.html", context, status=status)


def _prefill(request: HttpRequest) -> dict[str, str]:
    """The registry browser and others open the form with ?image=&ports=."""
    keys = ("image", "name", "ports", "command", "env")
    return {key: request.GET[key] for key in keys if key in request.GET}


def _engine_agrees(
    request: HttpRequest, form: LaunchForm, access: permissions.Access
) -> tuple[dockerapi.ContainerSpec, list] | None:
    """Checks that need the engine or the policy, made before anything starts.

    Host ports are reserved first (a non-admin's port without a number gets
    one from BERTH_PORT_RANGE), so the policy judges the ports really used;
    on any refusal the reservations are given back.
    """
    spec = form.spec(owner=access.username)
    containers = dockerapi.list_containers()  # one list for every check below
    ports, reservations, problems = allocation.reserve_ports(
        spec.ports, fill_empty=not access.is_admin, containers=containers
    )
    spec = replace(spec, ports=ports)
    for problem in problems:
        form.add_error("ports", problem)
    refused = policy.violations(spec, access) + quota_violations(
        spec, access, will_start=form.options()["start"], containers=containers
    )
    if refused:
        _refuse(request, form, spec, refused)
    if spec.name and any(c.name == spec.name for c in containers):
        form.add_error("name", f"A container called {spec.name} already exists.")
    for problem in launch.port_conflicts(spec.ports, containers):
        form.add_error("ports", problem)
    if spec.network and spec.network not in {
        network.name for network in dockerapi.list_networks()
    }:
        form.add_error("network", f"There is no network called {spec.network}.")
    if form.errors:
        allocation.release(reservations)
        return None
    return spec, reservations


def _refuse(
    request: HttpRequest,
    form: LaunchForm,
    spec: dockerapi.ContainerSpec,
    refused: list[policy.Violation],
) -> None:
    """Show each refusal and write one audit event naming the rules."""
    for violation in refused:
        form.add_error(None, violation.message)
    record(
        Actor.from_request(request),
        "container.launch",
        target_type="container",
        target_name=spec.name or spec.image,
        team=spec.labels.get("berth.team", ""),
        outcome="denied",
        error=" ".join(v.message for v in refused),
        params={"rules": sorted({v.rule for v in refused})},
    )


@require_POST
def pull_view(request: HttpRequest) -> HttpResponse:
    _require_launcher(request)
    form = PullForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reference"]))
        return redirect("containers:images")
    reference = form.cleaned_data["reference"]
    job = job_start(
        actor=Actor.from_request(request),
        kind=Job.Kind.PULL,
        target=reference,
        params={"reference": reference},
    )
    return redirect(job)


@require_http_methods(["GET", "POST"])
def build_view(request: HttpRequest) -> HttpResponse:
    _require_launcher(request)
    form = BuildForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        params: dict[str, Any] = {
            "tags": form.cleaned_data["tags"],
            "dockerfile": form.cleaned_data["dockerfile"],
        }
        if upload := form.cleaned_data.get("context"):
            params["context_path"] = str(_save_upload(upload))
        job = job_start(
            actor=Actor.from_request(request),
            kind=Job.Kind.BUILD,
            target=params["tags"][0],
            params=params,
        )
        return redirect(job)
    status = 400 if request.method == "POST" else 200
    return render(request, "containers/build.html", {"form": form}, status=status)


def _save_upload(upload: Any) -> Path:
    """Keep an uploaded build context where the worker can read it."""
    import uuid

    folder = Path(settings.BERTH_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"context-{uuid.uuid4().hex}.tar"
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return path


@require_POST
def push_view(request: HttpRequest) -> HttpResponse:
    _require_launcher(request)
    form = PushForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("containers:images")
    data = form.cleaned_data
    target = data["target"]
    params = {
        "target": target,
        "username": data["username"],
        "password_sealed": seal(data["password"]),
    }
    if registry := data.get("registry"):
        try:
            target, params = push_params(registry, target)
        except ValueError as error:
            messages.error(request, str(error))
            return redirect("containers:images")
    job = job_start(
        actor=Actor.from_request(request),
        kind=Job.Kind.PUSH,
        target=target,
        params={"image": data["image"], **params},
    )
    return redirect(job)


@require_POST
def images_bulk_remove(request: HttpRequest) -> HttpResponse:
    _require_launcher(request)
    images = request.POST.getlist("images")
    force = bool(request.POST.get("force"))
    if not images:
        messages.error(request, "Select at least one image first.")
        return redirect("containers:images")
    job = job_start(
        actor=Actor.from_request(request),
        kind=Job.Kind.REMOVE_IMAGE,
        target=f"{len(images)} image(s)",
        params={"images": images, "force": force},
    )
    return redirect(job)


@require_http_methods(["GET", "POST"])
def prune_view(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    if not permissions.is_admin(request.user):
        if request.method == "POST":
            record(
                actor, "system.prune", outcome="denied", error="Only admins can prune."
            )
        raise PermissionDenied("Only admins can prune.")
    form = PruneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        job = job_start(
            actor=actor, kind=Job.Kind.PRUNE, target="engine", params=form.cleaned_data
        )
        return redirect(job)
    return render(request, "containers/prune.html", {"form": form})


@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = visible_jobs(request.user)
    if status := request.GET.get("status"):
        jobs = jobs.filter(status=status)
    if kind := request.GET.get("kind"):
        jobs = jobs.filter(kind=kind)
    page = paginate(request, jobs.defer("output", "params"), 50)
    return render(
        request,
        "containers/job_list.html",
        {
            "page": page,
            "query": query_without_page(request),
            "statuses": Job.Status.choices,
            "kinds": Job.Kind.choices,
        },
    )


def _visible_job(request: HttpRequest, job_id: int) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    if not visible_jobs(request.user).filter(pk=job.pk).exists():
        raise Http404(f"No job {job_id}.")
    return job


@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _visible_job(request, job_id)
    return render(
        request,
        "containers/job_detail.html",
        {"job": job, "can_cancel": job.can_be_cancelled and _may_cancel(request, job)},
    )


def _may_cancel(request: HttpRequest, job: Job) -> bool:
    return permissions.is_admin(request.user) or job.started_by_id == request.user.pk


@require_POST
def job_cancel_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _visible_job(request, job_id)
    if not _may_cancel(request, job):
        raise PermissionDenied("Only who started a job, or an admin, can cancel it.")
    outcome = job_cancel(actor=Actor.from_request(request), job=job)
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect(job)
