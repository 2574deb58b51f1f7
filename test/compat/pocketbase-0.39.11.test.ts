import { describeCompatibility } from './suite.js'

describeCompatibility('0.39.11')
