// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk/govuk-frontend.min.8982af0b181b.js";

initAll();
