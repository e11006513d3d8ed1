import { formatAnnotation, formatBytes, protectionLetters } from "@osal/core";
import { rangeLabel } from "./address-label.js";
import type { MapSnapshot } from "./map-snapshot.js";

/**
 * Fills `body` with one row per mapping of `snapshot`, like `/proc/self/maps`:
 * range, protection letters, size and annotation.
 */
export function drawMappingTable(body: HTMLTableSectionElement, snapshot: MapSnapshot): void {
  body.replaceChildren(
    ...snapshot.mappings.map((mapping) => {
      const row = document.createElement("tr");
      for (const cell of [
        rangeLabel(mapping),
        protectionLetters(mapping.prot),
        formatBytes(mapping.end - mapping.start),
        mapping.annotation ? formatAnnotation(mapping.annotation) : "",
      ]) {
        const td = document.createElement("td");
        td.textContent = cell;
        row.append(td);
      }
      return row;
    }),
  );
}
