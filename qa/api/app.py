"""The FastAPI app: chat (native and OpenAI-compatible), documents, health, OpenAPI docs and the web page.

The assistant (embedding model and index) starts loading in a background thread when the
server starts, so `/health` can say "loading" and then "ready"; a question asked meanwhile
simply waits for the load.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa import __version__
from qa.api import chat, openai_compat
from qa.api.common import ERROR_RESPONSES, MAX_BODY_BYTES, BodyLimit, Loader, Protected, error_body, get_assistant
from qa.assistant import Assistant
from qa.errors import QAError
from qa.settings import Settings, get_settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
SWAGGER_UI_DIR = files("fastapi_offline") / "static"  # Swagger UI 5's script and style, shipped in the package


class DocumentInfo(BaseModel):
    source: str
    title: str | None
    date: str | None
    chunks: int


class DocumentText(DocumentInfo):
    text: str


def validation_message(error: RequestValidationError) -> str:
    parts = []
    for problem in error.errors():
        if problem.get("type") == "json_invalid":
            parts.append(f"the body is not valid JSON: {problem.get('ctx', {}).get('error', 'decode error')}")
            continue
        where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body")
        parts.append(f"{where}: {problem.get('msg', 'invalid')}" if where else str(problem.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        message = validation_message(error)
        if request.method == "POST" and "json" not in request.headers.get("content-type", ""):
            message = f"send the body as JSON with `Content-Type: application/json` ({message})"
        return error_body(422, message, "invalid_request_error")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        response = error_body(error.status_code, str(error.detail), "invalid_request_error")
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(QAError)
    async def unavailable(request: Request, error: QAError) -> JSONResponse:
        return error_body(503, str(error), "unavailable")

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> JSONResponse:
        return error_body(500, f"internal error ({type(error).__name__}); the server log has the details", "server_error")


def without_security(schema: dict) -> dict:
    """The schema of a server without QA_API_KEY: it asks for no credentials, so it declares none."""
    paths = {
        path: {method: {k: v for k, v in operation.items() if k != "security"} for method, operation in item.items()}
        for path, item in schema.get("paths", {}).items()
    }
    components = {k: v for k, v in schema.get("components", {}).items() if k != "securitySchemes"}
    return {**schema, "paths": paths, "components": components}


def create_app(settings: Settings | None = None) -> FastAPI:
    assistant = Assistant(settings or get_settings())
    loader = Loader(assistant)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loader.start()
        yield

    app = FastAPI(
        title="qa",
        version=__version__,
        summary="Answers questions about a document corpus only from passages it cites.",
        lifespan=lifespan,
        docs_url=None,
        openapi_url=None,
        responses=ERROR_RESPONSES,
    )
    app.state.assistant, app.state.loader = assistant, loader
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    add_error_handlers(app)
    app.include_router(chat.router)
    app.include_router(openai_compat.router)

    @app.get("/health", tags=["service"])
    def health() -> JSONResponse:
        """200 once the index is loaded and questions can be answered; 503 while loading or when it cannot load."""
        status = loader.status
        body: dict = {"status": status}
        if status == "ready":
            manifest = assistant.index.manifest
            body |= {"documents": manifest.get("documents"), "chunks": manifest.get("chunks"), "generation": manifest.get("generation")}
        elif loader.error:
            body["error"] = loader.error
        return JSONResponse(body, status_code=200 if status == "ready" else 503)

    @app.get("/documents", tags=["documents"], dependencies=Protected)
    def documents(assistant: Assistant = Depends(get_assistant)) -> list[DocumentInfo]:
        """Every indexed document: its id (`source`), title, date and number of chunks."""
        return [DocumentInfo(source=d.source, title=d.title, date=d.date, chunks=d.chunks) for d in assistant.documents()]

    @app.get("/documents/{source:path}", tags=["documents"], dependencies=Protected)
    def document(source: str, assistant: Assistant = Depends(get_assistant)) -> DocumentText:
        """A document's cleaned text: a citation's `start`/`end` are offsets (in code points) into `text`."""
        found = assistant.index.documents.get(source)
        if found is None:
            raise HTTPException(404, f"no document {source!r} in the index")
        return DocumentText(source=found.source, title=found.title, date=found.date, chunks=found.chunks, text=found.text)

    # The API's description is open like the page: with QA_API_KEY set, Swagger UI's "Authorize" button takes the key.
    @app.get("/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        schema = app.openapi()
        return JSONResponse(jsonable_encoder(schema if assistant.settings.api_key else without_security(schema)))

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="qa API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="data:,",
        )

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html")

    app.mount("/static/swagger", StaticFiles(directory=str(SWAGGER_UI_DIR)), name="swagger")  # before /static
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app
