import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { decidePixels } from '../../deid/pixel-policy.js';
import type { EngineProfile } from '../../deid/types.js';
import { frameOutlines, maskRegions, ocrPixels } from '../../job/pixels.js';
import { withOcr } from '../../job/setup.js';
import { closeDicom, openDicom } from '../../dicom/file.js';
import { loadProfile, ProfileError, type OptionName } from '../../profile/load.js';
import { parseMaskArg, PixelError, renderPreview, type MaskRegion } from '../../pixel/index.js';
import { closeOcr, OcrError, ocrUnavailable, type PixelCheck } from '../../ocr/index.js';
import { UsageError } from '../../errors.js';
import { ocrOption } from './deid-options.js';

interface PreviewArgs {
  file: string;
  profile: string[];
  option: string[];
  frame: number;
  mask: string[];
  png: string;
  ocr: boolean;
  'ocr-policy'?: string;
}

/** What OCR made of the image, for the preview: the regions masked, the boxes, and the outcome in words. */
interface OcrView {
  regions: MaskRegion[];
  check?: PixelCheck;
  outcome: string;
}

/**
 * Runs the OCR of anon run --ocr on a copy of the file in memory (masked there, never on disk),
 * so the preview shows what a run would mask and what the second pass left.
 */
async function ocrView(path: string, ruleRegions: MaskRegion[], profile: EngineProfile, burnedInYes: boolean): Promise<OcrView> {
  const g = await openDicom(path);
  try {
    const r = await ocrPixels(g, ruleRegions, profile, burnedInYes);
    const outcome = r.kind === 'quarantine' ? `would be quarantined: ${r.reason}` : r.kind === 'clean' ? 'masked and verified by a second OCR pass' : 'no text read: unchanged';
    return { regions: r.regions, check: r.check, outcome };
  } catch (e) {
    if (e instanceof OcrError || e instanceof PixelError)
      return { regions: ruleRegions, outcome: `would be quarantined: pixel data could not be checked for burned-in text (${e.code}: ${e.message})` };
    throw e;
  } finally {
    closeDicom(g);
  }
}

const count = (c: PixelCheck | undefined, frame: number): string =>
  c ? `; OCR: ${c.found ?? 0} box(es) found, ${c.masked ?? 0} masked, ${c.left ?? 0} left, ${frameOutlines(c, frame).length} drawn on frame ${frame}` : '';

/** `anon preview FILE --png OUT.png`: the frame, windowed for display, with the mask rectangles (and with --ocr the text boxes) drawn over it. */
export const previewCommand: CommandModule<object, PreviewArgs> = {
  command: 'preview <file>',
  describe:
    'Render a frame as PNG, windowed for display, with the mask rectangles the profile would apply drawn over it; with --ocr, the text boxes OCR finds (green masked, yellow left, magenta identifier left) and the masks (red)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('profile', { alias: 'p', type: 'string', array: true, default: ['basic'], describe: 'profile(s) whose mask rules apply' })
      .option('option', { type: 'string', array: true, default: [] })
      .option('frame', { type: 'number', default: 1, describe: '1-based frame number' })
      .option('mask', { type: 'string', array: true, default: [], describe: 'extra rectangle x,y,w,h (repeatable)' })
      .option('png', { type: 'string', demandOption: true, describe: 'the PNG to write' })
      .option('ocr', { type: 'boolean', default: false, describe: 'find burned-in text with OCR as anon run --ocr would, and draw its boxes and masks' })
      .option('ocr-policy', { type: 'string', choices: ['all', 'identifiers'], describe: 'with --ocr: mask all text (default) or only the text the identifier detectors flag' }),
  handler: async (args) => {
    let profile;
    try {
      profile = withOcr(loadProfile(args.profile, { extraOptions: args.option as OptionName[] }), ocrOption(args));
    } catch (e) {
      if (e instanceof ProfileError) throw new UsageError(e.message);
      throw e;
    }
    const ocr = profile.pixels.detect === 'ocr';
    const missing = ocr ? ocrUnavailable() : undefined;
    if (missing) throw new UsageError(missing);
    const f = await openDicom(args.file);
    try {
      const decision = decidePixels(f, profile);
      let extra;
      try {
        extra = args.mask.map(parseMaskArg);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      let regions = maskRegions(decision.kind === 'mask' ? decision.rule : undefined, extra);
      let view: OcrView | undefined;
      if (ocr) {
        const burnedInYes = decision.kind === 'quarantine' && decision.reason.startsWith('BurnedInAnnotation is YES');
        view = await ocrView(args.file, regions, profile, burnedInYes);
        regions = view.regions;
      }
      let png: Buffer;
      try {
        png = await renderPreview(f, { frame: args.frame, regions, outlines: frameOutlines(view?.check, args.frame) });
      } catch (e) {
        if (e instanceof PixelError) throw new UsageError(`cannot render ${args.file}: ${e.message}`);
        throw e;
      }
      writeFileSync(args.png, png);
      const what = view
        ? view.outcome
        : decision.kind === 'mask'
          ? `mask rule ${decision.rule.name ?? decision.index}`
          : decision.kind === 'quarantine'
            ? `would be quarantined: ${decision.reason}`
            : 'no mask rule';
      console.log(`${args.png}: frame ${args.frame}, ${regions.length} region(s)${count(view?.check, args.frame)}; ${what}`);
    } finally {
      closeDicom(f);
      if (ocr) await closeOcr();
    }
  },
};
