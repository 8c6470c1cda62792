clearcpuid=smap
