/**
 * Each command's usage line and description, as its module declares them (test/cli-help.test.ts
 * checks that they agree): the top-level help and the rejection of an unknown command list them
 * without loading the nineteen modules behind them.
 */
export const COMMAND_HELP: Record<string, readonly [command: string, describe: string]> = {
  run: ['run [inputs..]', 'De-identify DICOM files and folders (recursively) into an output folder'],
  preview: [
    'preview <file>',
    'Render a frame as PNG, windowed for display, with the mask rectangles the profile would apply drawn over it; with --ocr, the text boxes OCR finds (green masked, yellow left, magenta identifier left) and the masks (red)',
  ],
  serve: ['serve', 'Run the job server: the IDIS web API (anonapi client) and /api/anonymization-runs'],
  dump: ['dump <file>', 'Print a DICOM file: dcmdump-style text, or the DICOM JSON model (PS3.18 F.2) with --json'],
  profile: ['profile', 'List, show and validate de-identification profiles'],
  bench: ['bench', 'Measure bulk-run throughput, latency, CPU and peak RSS per profile, against a plain cp -r (or, with --peers, against gdcmanon and DCMTK)'],
  verify: ['verify [input] [output]', 'Check a de-identification run: residual identifiers, leftovers, UIDs, references, dates, pixels, marks, validity'],
  watch: ['watch <inbox>', 'Watch a folder and de-identify every file dropped into it, moving originals to done/, failed/ or quarantine/'],
  review: ['review <paths..>', "Review quarantined images in the browser (a watch quarantine folder or a run's report folder): draw masks, release or reject"],
  worker: ['worker', 'Take de-identification tasks from a queue (anon serve --queue, anon run --queue) and run them on this machine'],
  server: ['server <command>', 'Job servers (IDIS web API, e.g. anon serve) the client talks to'],
  job: ['job <command>', 'Jobs on the active server (ids and ranges: 1,2,5-9 or 3 5-7)'],
  batch: ['batch <command>', 'A batch of jobs on one server, kept in .anonbatch in the current folder'],
  map: ['map <command>', 'The mapping (anon_mapping.csv) in the current folder: sources → pseudonyms, for anon create from-mapping'],
  select: ['select <command>', 'The file selection (fileselection.txt) in the current folder'],
  create: ['create <command>', 'Create jobs'],
  settings: ['settings <command>', 'Client settings (anonapi style): user name and token for the job servers'],
  status: ['status', 'Client overview: servers and the active one, the active mapping, the batch in the current folder'],
  pacs: ['pacs <command>', 'Check a DICOMweb PACS connection and search its studies'],
};
