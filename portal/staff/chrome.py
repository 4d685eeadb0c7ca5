"""What every staff page shows around its content: the staff service's name (page titles name it,
not the residents' service) and the identity bar's signed-in person, role and services."""

from flask_login import current_user

from portal.runtime import definition
from portal.staff.staff_blueprint import staff

STAFF_SERVICE_NAME = "Data rights casework"
ROLE_TITLES = {
    "dpo": "Data Protection Officer",
    "caseworker": "Caseworker",
    "admin": "Administrator",
}


@staff.context_processor
def staff_chrome() -> dict:
    identity = None
    if current_user.is_authenticated:
        services = definition().routing.services
        identity = {
            "name": current_user.full_name,
            "role": ROLE_TITLES.get(current_user.role, current_user.role),
            "services": [services[c].name for c in current_user.services if c in services],
        }
    return {"staff_service_name": STAFF_SERVICE_NAME, "identity": identity}
