"""A small FastAPI application: JSON, path parameters, a form upload, a streamed response, a
WebSocket endpoint and state made at startup. It is a plain ASGI application; `ng.py` serves
it on wsging through `wsging.asgi.from_asgi`."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator, Dict

from fastapi import FastAPI, File, Form, Request, UploadFile, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[Dict[str, object]]:
    # What the lifespan yields is every request's request.state (ASGI lifespan state).
    yield {"started": "yes", "greeting": "Hello"}


app = FastAPI(lifespan=lifespan)


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


@app.get("/")
async def root() -> Dict[str, str]:
    return {"message": "Hello, world!"}


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return "Hello, world!"


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> Dict[str, object]:
    return {"item_id": item_id, "q": q}


@app.post("/items")
async def create_item(item: Item) -> Dict[str, object]:
    return {"name": item.name, "total": item.price * 2, "tags": item.tags}


@app.post("/upload")
async def upload(note: str = Form(...), file: UploadFile = File(...)) -> Dict[str, object]:
    data = await file.read()
    return {"note": note, "filename": file.filename, "size": len(data)}


@app.get("/stream")
async def stream(count: int = 5) -> StreamingResponse:
    async def numbers() -> AsyncIterator[bytes]:
        for i in range(count):
            yield b"line %d\n" % i
            await asyncio.sleep(0.01)

    return StreamingResponse(numbers(), media_type="text/plain")


@app.get("/state")
async def state(request: Request) -> Dict[str, object]:
    return {"started": request.state.started, "greeting": request.state.greeting}


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"echo: {text}")
    except WebSocketDisconnect:
        pass
