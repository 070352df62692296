// The report and replay formats a flag may name, apart from the code that writes them: the command line
// is parsed before any command's modules are loaded (start-up loads only what the command needs).
export const REPORT_FORMATS = ['text', 'json', 'junit', 'github', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPLAY_FORMATS = ['text', 'mermaid', 'markdown', 'html'] as const;
export type ReplayFormat = (typeof REPLAY_FORMATS)[number];

export const MERGE_FORMATS = ['text', 'json'] as const;
export type MergeFormat = (typeof MERGE_FORMATS)[number];
