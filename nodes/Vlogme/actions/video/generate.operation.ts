import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	buildGenerateBody,
	estimateCredits,
	GenerateInputError,
	type GenerateInput,
	type PortraitSource,
	type SpeechSource,
} from '../../helpers/generateRequest';
import { vlogmeApiRequest } from '../../transport';

export interface PreparedGenerate {
	body: IDataObject;
}

/** Reads an input binary property as base64, after checking it exists and has the right kind of MIME type. */
async function readBinary(
	this: IExecuteFunctions,
	itemIndex: number,
	field: string,
	propertyName: string,
	kind: 'image' | 'audio',
): Promise<string> {
	const name = propertyName.trim();
	const binary = this.getInputData()[itemIndex]?.binary?.[name];
	if (!binary) {
		const available = Object.keys(this.getInputData()[itemIndex]?.binary ?? {});
		throw new GenerateInputError(
			field,
			`Item ${itemIndex} has no binary field "${name}"`,
			available.length
				? `Binary fields on this item: ${available.join(', ')}. Set ${field} to one of them.`
				: 'This item has no binary data at all. Add a node before this one that loads the file (for example HTTP Request with Response Format: File).',
		);
	}
	const mimeType = String(binary.mimeType ?? '');
	if (!mimeType.toLowerCase().startsWith(`${kind}/`)) {
		throw new GenerateInputError(
			field,
			`The binary field "${name}" of item ${itemIndex} is ${mimeType || 'of unknown type'}, not ${kind === 'image' ? 'an image' : 'audio'}`,
		);
	}
	// getBinaryDataBuffer works in every binary-data mode (memory, filesystem, S3).
	const buffer = await this.helpers.getBinaryDataBuffer(itemIndex, name);
	if (buffer.length === 0) throw new GenerateInputError(field, `The binary field "${name}" of item ${itemIndex} is empty`);
	return buffer.toString('base64');
}

/** Every check of Generate, run for all items before the first render is created. */
export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<PreparedGenerate> {
	try {
		const portraitSource = this.getNodeParameter('portraitSource', itemIndex, 'url') as PortraitSource;
		const speechSource = this.getNodeParameter('speechSource', itemIndex, 'script') as SpeechSource;
		const additional = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
		const input: GenerateInput = {
			portraitSource,
			speechSource,
			emotionPreset: this.getNodeParameter('emotionPreset', itemIndex, 'natural') as string,
			liveSubtitles: this.getNodeParameter('liveSubtitles', itemIndex, true) as boolean,
			title: additional.title as string | undefined,
			faceRestore: additional.faceRestore as number | undefined,
			watermarkText: additional.watermarkText as string | undefined,
			videoPrompt: additional.videoPrompt as string | undefined,
			videoNegativePrompt: additional.videoNegativePrompt as string | undefined,
			webhookUrl: additional.webhookUrl as string | undefined,
		};
		if (portraitSource === 'url') {
			input.portraitUrl = this.getNodeParameter('portraitUrl', itemIndex, '') as string;
		} else {
			const property = this.getNodeParameter('portraitBinaryProperty', itemIndex, 'data') as string;
			input.portraitBase64 = await readBinary.call(this, itemIndex, 'Input Binary Field', property, 'image');
		}
		if (speechSource === 'script') {
			input.script = this.getNodeParameter('script', itemIndex, '') as string;
			input.voiceId = this.getNodeParameter('voice', itemIndex, '', { extractValue: true }) as string;
		} else if (speechSource === 'audioUrl') {
			input.audioUrl = this.getNodeParameter('audioUrl', itemIndex, '') as string;
		} else {
			const property = this.getNodeParameter('audioBinaryProperty', itemIndex, 'audio') as string;
			input.audioBase64 = await readBinary.call(this, itemIndex, 'Input Audio Binary Field', property, 'audio');
		}
		return { body: buildGenerateBody(input) };
	} catch (error) {
		if (error instanceof GenerateInputError) {
			throw new NodeOperationError(this.getNode(), `${error.message} [item ${itemIndex}, field "${error.field}"]`, {
				itemIndex,
				description: `${error.hint ? error.hint + ' ' : ''}Nothing was sent to Vlogme and no credits were used.`,
			});
		}
		throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
	}
}

/** Video → Generate: one POST /videos, never repeated (credits are charged when it succeeds). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	prepared: PreparedGenerate,
): Promise<INodeExecutionData[]> {
	const video = await vlogmeApiRequest.call(this, {
		method: 'POST',
		path: '/videos',
		body: prepared.body,
		itemIndex,
		context: { creditsNeeded: estimateCredits(prepared.body) },
	});
	return [{ json: video, pairedItem: { item: itemIndex } }];
}
