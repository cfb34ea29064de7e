import asyncio
import hashlib
import os
import time

from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from .forms import NoteForm
from .models import Note

COUNTDOWN_PAUSE = 0.3  # seconds between the countdown's lines


def index(request):
    request.session['visits'] = request.session.get('visits', 0) + 1
    return render(request, 'notes/index.html', {
        'notes': Note.objects.all()[:50],
        'visits': request.session['visits'],
    })


def new(request):
    if request.method == 'POST':
        form = NoteForm(request.POST, request.FILES)
        if form.is_valid():
            note = form.save()
            request.session['last_created'] = note.pk
            # Post/Redirect/Get: reloading the note's page does not send the form again.
            return redirect(note)
    else:
        form = NoteForm()
    return render(request, 'notes/new.html', {'form': form})


def detail(request, pk):
    note = get_object_or_404(Note, pk=pk)
    size = sha256 = None
    if note.attachment:
        digest = hashlib.sha256()
        with note.attachment.open('rb') as stored:
            for chunk in stored.chunks():
                digest.update(chunk)
        size, sha256 = note.attachment.size, digest.hexdigest()
    return render(request, 'notes/detail.html', {
        'note': note,
        'size': size,
        'sha256': sha256,
        'just_created': request.session.pop('last_created', None) == note.pk,
    })


def attachment(request, pk):
    note = get_object_or_404(Note, pk=pk)
    if not note.attachment:
        raise Http404('This note has no attachment.')
    return FileResponse(note.attachment.open('rb'), as_attachment=True,
                        filename=os.path.basename(note.attachment.name))


def countdown(request):
    try:
        start = int(request.GET.get('from', 5))
    except ValueError:
        start = 0
    if not 0 < start <= 20:
        return HttpResponseBadRequest('from must be a number between 1 and 20\n')
    path = request.path

    # Django streams a synchronous iterator under WSGI and an asynchronous one under ASGI;
    # given the other kind, it reads the whole of it before sending anything.
    if isinstance(request, ASGIRequest):
        async def lines():
            for n in range(start, 0, -1):
                yield f'{n}\n'
                await asyncio.sleep(COUNTDOWN_PAUSE)
            yield f'liftoff from {path}\n'
    else:
        def lines():
            for n in range(start, 0, -1):
                yield f'{n}\n'
                time.sleep(COUNTDOWN_PAUSE)
            yield f'liftoff from {path}\n'

    return StreamingHttpResponse(lines(), content_type='text/plain; charset=utf-8')
