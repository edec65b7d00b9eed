console.log("sub");
