// Builds the portal's GOV.UK Frontend assets into ../static/govuk/ and the staff area's Ministry
// of Justice Frontend assets into ../static/moj/.
// Run with `make assets` (needs Node and npm; the portal itself does not).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = "../static/govuk";
const mojOut = "../static/moj";
const frontend = "node_modules/govuk-frontend/dist/govuk";
const moj = "node_modules/@ministryofjustice/frontend/moj";

for (const dir of [out, mojOut]) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

function compile(source) {
  return sass.compile(source, {
    importers: [new sass.NodePackageImporter()],
    // MoJ Frontend loads GOV.UK Frontend as "node_modules/govuk-frontend/...".
    loadPaths: ["."],
    style: "compressed",
    quietDeps: true,
    silenceDeprecations: ["import"],
  }).css;
}

// Residents' pages: GOV.UK Frontend only (their first visit must stay small).
writeFileSync(`${out}/portal.min.css`, compile("portal.scss"));
cpSync(`${frontend}/govuk-frontend.min.js`, `${out}/govuk-frontend.min.js`);
// No fonts or images are copied: the GDS Transport font, the crown and the GOV.UK icons are for
// gov.uk services only. The portal's own favicon lives in static/.

// Staff pages: GOV.UK and MoJ Frontend together, and MoJ's components' script (an ES module
// with no imports). Only MoJ's icons the compiled stylesheet refers to are copied (GOV.UK's crest,
// which MoJ's settings also point here, is not used: the header is text only).
const staffCss = compile("staff.scss");
writeFileSync(`${mojOut}/staff.min.css`, staffCss);
cpSync(`${moj}/moj-frontend.min.js`, `${mojOut}/moj-frontend.min.js`);
const icons = new Set([...staffCss.matchAll(/\/static\/moj\/images\/([\w.-]+)/g)].map((m) => m[1]));
mkdirSync(`${mojOut}/images`, { recursive: true });
for (const icon of icons) {
  if (!existsSync(`${moj}/assets/images/${icon}`)) continue;
  cpSync(`${moj}/assets/images/${icon}`, `${mojOut}/images/${icon}`);
}
const version = JSON.parse(readFileSync("node_modules/@ministryofjustice/frontend/package.json")).version;
console.log("built", out, mojOut, `(MoJ Frontend ${version}, ${icons.size} icons)`);
