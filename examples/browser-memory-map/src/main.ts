import { mountApp } from "./app.js";

// The page: mount the app and show a first run, so the map is never empty.
const app = mountApp(document.querySelector<HTMLElement>("#app")!);
app.run().catch((error: unknown) => console.error(error));
