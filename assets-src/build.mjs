// Builds the portal's GOV.UK Frontend assets into ../static/govuk/.
// Run with `make assets` (needs Node and npm; the portal itself does not).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = "../static/govuk";
const frontend = "node_modules/govuk-frontend/dist/govuk";

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const css = sass.compile("portal.scss", {
  importers: [new sass.NodePackageImporter()],
  style: "compressed",
  quietDeps: true,
});
writeFileSync(`${out}/portal.min.css`, css.css);

cpSync(`${frontend}/govuk-frontend.min.js`, `${out}/govuk-frontend.min.js`);
// No fonts or images are copied: the GDS Transport font, the crown and the GOV.UK icons are for
// gov.uk services only. The portal's own favicon lives in static/.
console.log("built", out);
