package org.wsging.worker;

/** A link owner for tests that look only at the frames: every event is ignored. */
final class IgnoringOwner implements WorkerLink.Owner {
    public void onHello(WorkerLink l) {}

    public void onSlotFreed(WorkerLink l) {}

    public void onBindRefused(WorkerLink l, LinkStream s) {}

    public void onWorkerGoAway(WorkerLink l) {}

    public void onHung(WorkerLink l) {}

    public void onClosed(WorkerLink l) {}
}
