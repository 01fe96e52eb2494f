import { NodeHelpers, type INode, type INodeProperties } from 'n8n-workflow';

/**
 * The node's top-level properties as n8n offers them at one `typeVersion`: those whose
 * `displayOptions.show['@version']` (n8n-workflow's own check) holds for it. Other conditions are
 * left to the caller.
 */
export function propertiesAt(
	properties: INodeProperties[],
	typeVersion: number,
): INodeProperties[] {
	const node = { typeVersion } as INode;
	return properties.filter((p) => {
		const versions = p.displayOptions?.show?.['@version'];
		return (
			!versions ||
			NodeHelpers.displayParameter(
				{},
				{ displayOptions: { show: { '@version': versions } } } as INodeProperties,
				node,
				null,
			)
		);
	});
}
