import coreclrUrl from "@osal/guests/wasi/coreclr-osal.wasm?url";
import ghcUrl from "@osal/guests/wasi/ghc-osal.wasm?url";
import mmtkUrl from "@osal/guests/wasi/mmtk-osal.wasm?url";
import sgenUrl from "@osal/guests/wasi/sgen-osal.wasm?url";
import zendUrl from "@osal/guests/wasi/zend-osal.wasm?url";

/** A C guest (clang + wasi-libc, `mmap` from the `osal` imports) the page can run. */
export interface Workload {
  /** Value of the workload `<select>`. */
  readonly id: "zend" | "sgen" | "coreclr" | "ghc" | "mmtk";
  /** The runtime whose memory pattern it replays. */
  readonly label: string;
  /** Where Vite serves the guest (`@osal/guests/wasi/*-osal.wasm`). */
  readonly url: string;
}

/** The five guests of `guests/`, one per language runtime. */
export const workloads: readonly Workload[] = [
  { id: "zend", label: "zend: PHP's 2 MiB chunks and huge blocks", url: zendUrl },
  { id: "sgen", label: "sgen: Mono's 1 MiB sections", url: sgenUrl },
  { id: "coreclr", label: "coreclr: a 64 MiB reservation committed in granules", url: coreclrUrl },
  { id: "ghc", label: "ghc: GHC's aligned megablock groups", url: ghcUrl },
  { id: "mmtk", label: "mmtk: MMTk's MAP_FIXED heap and side metadata", url: mmtkUrl },
];

/** The workload with this id; a `RangeError` for an unknown one. */
export function workloadById(id: string): Workload {
  const workload = workloads.find((w) => w.id === id);
  if (workload === undefined) throw new RangeError(`unknown workload ${id}`);
  return workload;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The workload's guest, fetched and compiled once per page (a failure rejects and is retried next time). */
export function loadGuest(workload: Workload): Promise<WebAssembly.Module> {
  let module = compiled.get(workload.id);
  if (module === undefined) {
    module = fetch(workload.url).then(async (response) => {
      if (!response.ok) throw new Error(`${workload.url}: HTTP ${response.status}`);
      return WebAssembly.compile(await response.arrayBuffer());
    });
    compiled.set(workload.id, module);
    // A failed fetch is not cached: the next run tries again.
    module.catch(() => compiled.delete(workload.id));
  }
  return module;
}
