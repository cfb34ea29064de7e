"""A small Flask site: a contact form, a file upload, a streamed countdown, a login kept in the
signed session cookie, a JSON endpoint and custom error pages. Plain Flask, nothing else:
any WSGI server can run it."""

import hashlib
import os
import time

from flask import (
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)

app = Flask(__name__)
# Signs the session cookie. "dev" is for trying the site out; set SECRET_KEY anywhere else.
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")

THEMES = ("light", "dark")


@app.route("/")
def index():
    session["visits"] = session.get("visits", 0) + 1
    return render_template(
        "index.html",
        user=session.get("user"),
        visits=session["visits"],
        theme=request.cookies.get("theme", "light"),
    )


@app.route("/contact", methods=["GET", "POST"])
def contact():
    errors = {}
    form = {"name": "", "email": "", "message": ""}
    if request.method == "POST":
        form = {key: request.form.get(key, "").strip() for key in form}
        if not form["name"]:
            errors["name"] = "Please tell us your name."
        if "@" not in form["email"]:
            errors["email"] = "That does not look like an email address."
        if len(form["message"]) < 10:
            errors["message"] = "The message needs at least 10 characters."
        if not errors:
            flash(f"Thank you, {form['name']}: your message has been received.")
            # Post/Redirect/Get: reloading the next page does not send the form again.
            return redirect(url_for("contact_thanks"))
    return render_template("contact.html", form=form, errors=errors), (400 if errors else 200)


@app.route("/contact/thanks")
def contact_thanks():
    return render_template("thanks.html")


@app.route("/upload", methods=["GET", "POST"])
def upload():
    if request.method == "GET":
        return render_template("upload.html")
    uploaded = request.files.get("file")
    if uploaded is None or uploaded.filename == "":
        return render_template("upload.html", error="Choose a file to upload."), 400
    digest = hashlib.sha256()
    size = 0
    # Read in pieces: a large upload never needs to fit in memory at once.
    for piece in iter(lambda: uploaded.stream.read(64 * 1024), b""):
        digest.update(piece)
        size += len(piece)
    return render_template("uploaded.html", name=uploaded.filename, size=size, sha256=digest.hexdigest())


@app.route("/countdown")
def countdown():
    start = request.args.get("from", 5, type=int)
    if not 0 < start <= 20:
        abort(400, "from must be between 1 and 20")

    @stream_with_context
    def lines():
        # request is still usable here, while the response streams, thanks to stream_with_context.
        for n in range(start, 0, -1):
            yield f"{n}\n"
            time.sleep(0.3)
        yield f"liftoff from {request.path}\n"

    return app.response_class(lines(), mimetype="text/plain")


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        name = request.form.get("username", "").strip()
        if not name:
            return render_template("login.html", error="Choose a user name."), 400
        session["user"] = name
        return redirect(url_for("index"))
    return render_template("login.html")


@app.route("/logout", methods=["POST"])
def logout():
    session.pop("user", None)
    return redirect(url_for("index"))


@app.route("/theme/<name>")
def theme(name):
    if name not in THEMES:
        abort(404)
    response = redirect(url_for("index"))
    response.set_cookie("theme", name, max_age=30 * 24 * 3600, samesite="Lax")
    return response


@app.route("/api/wordcount", methods=["POST"])
def wordcount():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return jsonify(error='send a JSON object with a "text" string'), 400
    words = data["text"].split()
    return jsonify(words=len(words), characters=len(data["text"]), longest=max(words, key=len, default=""))


@app.route("/boom")
def boom():
    raise RuntimeError("this page fails on purpose, to show the error page")


@app.errorhandler(404)
def not_found(error):
    return render_template("error.html", title="Page not found",
                           message="There is nothing at this address."), 404


@app.errorhandler(500)
def server_error(error):
    return render_template("error.html", title="Something went wrong",
                           message="The error has been logged; please try again later."), 500
