import { type MapKey, palette } from "./palette.js";

/** Fills `list` with one swatch and label per {@link MapKey}, in palette order. */
export function drawLegend(list: HTMLElement): void {
  list.replaceChildren(
    ...(Object.keys(palette) as MapKey[]).map((key) => {
      const item = document.createElement("li");
      item.dataset.key = key;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = palette[key].fill;
      item.append(swatch, palette[key].label);
      return item;
    }),
  );
}
