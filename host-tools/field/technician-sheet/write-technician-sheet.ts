import { writeFileSync } from "node:fs";
import { technicianSheet } from "./TechnicianSheet.ts";

writeFileSync(new URL("../../../docs/technician-sheet.md", import.meta.url), technicianSheet());
