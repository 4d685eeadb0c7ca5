// Staff pages only: the Ministry of Justice Design System's components (button menu, sortable
// table, filter toggle...) on top of GOV.UK Frontend's, which init.js starts. Progressive
// enhancement only: every staff page works without JavaScript.
import { initAll } from "./moj/moj-frontend.min.js";

initAll();
