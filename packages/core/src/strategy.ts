import { HugePageSupport, MmapProtection } from "./protection.js";

/** The plain fields of an {@link MmapStrategy}. */
export interface MmapStrategyFields {
  /** Transparent huge page hint. */
  readonly hugePage: HugePageSupport;
  /** Access rights of the new mapping. */
  readonly prot: MmapProtection;
  /**
   * `true`: `MAP_FIXED`, the new mapping replaces whatever was mapped there.
   * `false`: `MAP_FIXED_NOREPLACE`, an overlap fails with `EEXIST` and changes nothing.
   */
  readonly replace: boolean;
  /**
   * `true`: the mapping is charged against the commit limit up front.
   * `false`: `MAP_NORESERVE`, address space only; pages are charged when touched,
   * on backends that can tell the two apart (see `capabilities.reservesWithoutCommit`).
   */
  readonly reserve: boolean;
  /**
   * `MAP_UNINITIALIZED`: the caller does not need zeroed memory. A backend with
   * `capabilities.uninitialized` may hand out dirty pages without zeroing them
   * (counted in `stats().uninitializedBytes`); others ignore it and return
   * zeroed memory, as Linux does without `CONFIG_MMAP_ALLOW_UNINITIALIZED`.
   * Optional in the plain fields (absent means `false`).
   */
  readonly uninitialized?: boolean;
}

/**
 * How to map memory, as MMTk's `MmapStrategy`: an immutable value. Start from one
 * of the named constants and derive variants with the `with…` builders, which
 * return new strategies and never change the receiver.
 */
export class MmapStrategy implements MmapStrategyFields {
  readonly hugePage: HugePageSupport;
  readonly prot: MmapProtection;
  readonly replace: boolean;
  readonly reserve: boolean;
  readonly uninitialized: boolean;

  constructor(fields: MmapStrategyFields) {
    this.hugePage = fields.hugePage;
    this.prot = fields.prot;
    this.replace = fields.replace;
    this.reserve = fields.reserve;
    this.uninitialized = fields.uninitialized ?? false;
    Object.freeze(this);
  }

  /** Read-write, reserved, no huge pages, never replacing an existing mapping. */
  static readonly DEFAULT = new MmapStrategy({
    hugePage: HugePageSupport.No,
    prot: MmapProtection.ReadWrite,
    replace: false,
    reserve: true,
  });

  /** Memory a runtime uses for its own bookkeeping: the same as `DEFAULT`. */
  static readonly INTERNAL_MEMORY = MmapStrategy.DEFAULT;

  /** For tests that map scratch ranges at fixed addresses over and over: replaces. */
  static readonly TEST = MmapStrategy.DEFAULT.withReplace(true);

  /**
   * Raw memory behind a free-list allocator (MMTk's `RawMemoryFreeList`): read-write,
   * reserved, and `replace` (`MAP_FIXED`), as MMTk defines it since its spaces'
   * address ranges are quarantined: the free list is mapped at a fixed address inside
   * the space's own quarantine, so it must replace the `NoAccess` reservation there.
   */
  static readonly RAW_MEMORY_FREELIST = MmapStrategy.DEFAULT.withReplace(true);

  /**
   * Quarantine a range: `PROT_NONE` and `MAP_NORESERVE`. Holds the addresses so no
   * one else gets them; chunks are later mapped inside it with `replace`.
   */
  static readonly QUARANTINE = new MmapStrategy({
    hugePage: HugePageSupport.No,
    prot: MmapProtection.NoAccess,
    replace: false,
    reserve: false,
  });

  /** This strategy with another huge page hint. */
  withHugePage(hugePage: HugePageSupport): MmapStrategy {
    return new MmapStrategy({ ...this.fields(), hugePage });
  }

  /** This strategy with other access rights. */
  withProt(prot: MmapProtection): MmapStrategy {
    return new MmapStrategy({ ...this.fields(), prot });
  }

  /** This strategy with `MAP_FIXED` (`true`) or `MAP_FIXED_NOREPLACE` (`false`). */
  withReplace(replace: boolean): MmapStrategy {
    return new MmapStrategy({ ...this.fields(), replace });
  }

  /** This strategy reserved up front (`true`) or `MAP_NORESERVE` (`false`). */
  withReserve(reserve: boolean): MmapStrategy {
    return new MmapStrategy({ ...this.fields(), reserve });
  }

  /**
   * This strategy with `MAP_UNINITIALIZED` (`true`: the caller does not need
   * zeroed memory) or without it (`false`).
   */
  withUninitialized(uninitialized: boolean): MmapStrategy {
    return new MmapStrategy({ ...this.fields(), uninitialized });
  }

  /** True when both strategies ask for the same thing. */
  equals(other: MmapStrategyFields): boolean {
    return (
      this.hugePage === other.hugePage &&
      this.prot === other.prot &&
      this.replace === other.replace &&
      this.reserve === other.reserve &&
      this.uninitialized === (other.uninitialized ?? false)
    );
  }

  /** The plain fields, for logging and serialisation. */
  fields(): MmapStrategyFields {
    return {
      hugePage: this.hugePage,
      prot: this.prot,
      replace: this.replace,
      reserve: this.reserve,
      uninitialized: this.uninitialized,
    };
  }
}
