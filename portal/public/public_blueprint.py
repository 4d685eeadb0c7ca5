from flask import Blueprint

public = Blueprint("public", __name__)
