// the catalogue is core's: onvifd and mqttd read the same declarations
export { Catalogue } from '@belfry/core';
