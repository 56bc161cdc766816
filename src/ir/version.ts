/** The IR's format version: a workflow refuses a definition of another version. */
export const IR_VERSION = 1;
